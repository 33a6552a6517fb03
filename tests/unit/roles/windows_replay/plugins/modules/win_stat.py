# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""stat.exists for the paths the scenario puts on the Windows host."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ansible.windows.plugins.module_utils import replay


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type='str', required=True, aliases=['dest', 'name']),
                                              get_checksum=dict(type='bool', default=True),
                                              follow=dict(type='bool', default=False)),
                           supports_check_mode=True)
    replay.record('win_stat', dict(path=module.params['path']), module.check_mode)
    exists = module.params['path'].lower() in replay.host_files()
    stat = dict(exists=exists)
    if exists:
        stat.update(isdir=False, isreg=True, path=module.params['path'])
    module.exit_json(changed=False, stat=stat)


if __name__ == '__main__':
    main()
