# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ping.exe: the recorded output the scenario gives for the address (ping-exe-timeout by default); nothing else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ansible.windows.plugins.module_utils import replay

# How ping.exe exits with each recorded output (the fixtures' tool lines).
PING_RC = {'ping-exe-reply': 0, 'ping-exe-host-unreachable': 0, 'ping-exe-timeout': 1}


def main():
    module = AnsibleModule(argument_spec=dict(argv=dict(type='list', elements='str'), cmd=dict(type='str'),
                                              _raw_params=dict(type='str')),
                           supports_check_mode=False)
    argv = module.params['argv'] or []
    replay.record('win_command', dict(argv=argv), module.check_mode)
    if not argv or argv[0].lower() != 'ping.exe':
        module.fail_json(msg='the replay knows ping.exe only, not %s' % argv)
    name = replay.scenario().get('ping', {}).get(argv[-1], 'ping-exe-timeout')
    rc = PING_RC[name]
    if rc != 0:
        module.fail_json(msg='non-zero return code', changed=True, rc=rc, stdout=replay.fixture(name), stderr='')
    module.exit_json(changed=True, rc=rc, stdout=replay.fixture(name), stderr='')


if __name__ == '__main__':
    main()
