# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The installer run: it must be on the host; exits with the scenario's ``installer_rc`` (default 0)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ansible.windows.plugins.module_utils import replay


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type='str'), arguments=dict(type='raw'), product_id=dict(type='str'),
                                              expected_return_code=dict(type='list', elements='int', default=[0, 3010]),
                                              state=dict(type='str', default='present')),
                           supports_check_mode=True)
    params = module.params
    args = dict((k, params[k]) for k in ('path', 'arguments', 'product_id', 'expected_return_code', 'state'))
    if params['path'] and params['path'].lower() not in replay.host_files():
        replay.record('win_package', args, module.check_mode, failed=True)
        module.fail_json(msg='the file at the path %s cannot be reached' % params['path'])
    if module.check_mode:
        replay.record('win_package', args, True)
        module.exit_json(changed=True, reboot_required=False)
    rc = int(replay.scenario().get('installer_rc', 0))
    if rc not in params['expected_return_code']:
        replay.record('win_package', args, False, rc=rc, failed=True)
        module.fail_json(msg="unexpected rc from '%s %s': see rc, stdout, and stderr for more details"
                         % (params['path'], params['arguments']), rc=rc, stdout='', stderr='', reboot_required=False)
    replay.record('win_package', args, False, rc=rc)
    # As the real module: failed is set, or the executor would take rc 3010 for a failure.
    module.exit_json(changed=True, failed=False, rc=rc, reboot_required=rc == 3010)


if __name__ == '__main__':
    main()
