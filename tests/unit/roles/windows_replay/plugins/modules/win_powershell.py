# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replays a recorded detection: the scenario's ``detect`` fixture, or ``detect_after_install`` once the installer ran
(and the host rebooted when the installer asked for it)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ansible.windows.plugins.module_utils import replay

SHOULD_PROCESS_RE = re.compile(r'\[CmdletBinding\((?:[\w=$]+,\s*)?SupportsShouldProcess(?:=\$true)?(?:,\s*[\w=$]+)?\)\]')


def main():
    module = AnsibleModule(argument_spec=dict(script=dict(type='str', required=True), parameters=dict(type='dict'),
                                              depth=dict(type='int', default=2)),
                           supports_check_mode=True)
    args = dict(parameters=module.params['parameters'])
    if module.check_mode and not SHOULD_PROCESS_RE.search(module.params['script']):
        # As the real module: a script without SupportsShouldProcess is skipped in check mode.
        replay.record('win_powershell', args, True)
        module.exit_json(changed=True, msg='skipped, running in check mode', output=[], error=[])
    scenario = replay.scenario()
    name = scenario['detect']
    installed = replay.done('win_package')
    if scenario.get('detect_after_install') and installed:
        asked = any(c.get('rc') == 3010 for c in installed)
        if not asked or replay.done('win_reboot'):
            name = scenario['detect_after_install']
    replay.record('win_powershell', args, module.check_mode, fixture=name)
    module.exit_json(changed=False, output=[replay.fixture(name).strip()], error=[], warning=[], verbose=[], debug=[],
                     information=[], host_out='', host_err='', result={})


if __name__ == '__main__':
    main()
