#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx_config
short_description: Set ConnectX firmware configuration (port type, SR-IOV, VFs) with mstconfig / mlxconfig
description:
  - Reads the next-boot configuration with C(mstconfig -d BDF q) (MFT C(mlxconfig)), compares it with
    O(settings) and sets only what differs with C(mstconfig -d BDF -y set NAME=VALUE ...), then reads it
    back; a value the card did not keep, although the tool reported success, fails the module with
    C(reason=verify_failed). New values take effect after a reboot (RV(reboot_required)).
  - Names and values are those of the tool - C(LINK_TYPE_P1), C(LINK_TYPE_P2) (V(IB)=1, V(ETH)=2, V(VPI)=3),
    C(SRIOV_EN) (boolean), C(NUM_OF_VFS) (0-126) ...; words or numbers are accepted.
  - mstflint 4.26 and later cannot configure ConnectX-3 cards, and NVIDIA MFT 4.33 and later no longer support
    ConnectX-3/ConnectX-3 Pro (the last MFT that lists them is 4.32); the module refuses either with the fix
    (C(reason=tool_unsupported)) before the configuration is read.
version_added: 0.1.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
  - homelab.connectx.tool
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  device:
    description: PCI address of the card (C(0000:03:00.0) or C(03:00.0)).
    type: str
    required: true
  settings:
    description:
      - 'Wanted next-boot values, for example C({LINK_TYPE_P1: ETH, LINK_TYPE_P2: ETH, SRIOV_EN: false}).'
      - Refused before the configuration is read (C(reason=invalid_value)) - a boolean for a known setting that is not
        boolean (YAML reads C(yes), C(on), C(true) as one - C(LINK_TYPE_P1 - yes) would be 1, InfiniBand), a word with
        another number than its own (C(ETH(1\))), one setting given twice in two cases, a value out of range.
    type: dict
    required: true
notes:
  - Some ConnectX-3 firmware cannot report its configuration (C(-E- Failed to query device current configuration));
    the module then fails with C(reason=config_unreadable). The port type can still be set through the mlx4 driver -
    the C(port_type_array) option of C(mlx4_core) (C(options mlx4_core port_type_array=2,2)) or
    C(/sys/bus/pci/devices/BDF/mlx4_portN).
'''

EXAMPLES = r'''
- name: Both ports Ethernet, no SR-IOV
  homelab.connectx.mlx_config:
    device: "0000:03:00.0"
    settings:
      LINK_TYPE_P1: ETH
      LINK_TYPE_P2: ETH
      SRIOV_EN: false
  register: cfg

- name: Reboot when a setting changed
  ansible.builtin.reboot:
  when: cfg.reboot_required
'''

RETURN = r'''
before:
  description: Next-boot values of the managed settings before the run, as the tool prints them.
  returned: success
  type: dict
  sample: {LINK_TYPE_P1: VPI(3), LINK_TYPE_P2: VPI(3)}
after:
  description: Next-boot values after the run (in check mode, what they would be).
  returned: success
  type: dict
  sample: {LINK_TYPE_P1: ETH(2), LINK_TYPE_P2: ETH(2)}
changed_settings:
  description: Names of the settings that were (or would be) set.
  returned: success
  type: list
  elements: str
reboot_required:
  description: Whether a reboot is needed for the settings to take effect (something changed, or the current value differs from the next-boot one).
  returned: success
  type: bool
reason:
  description: >-
    Machine-readable failure reason - V(config_unreadable), V(tool_unsupported), V(unknown_setting), V(invalid_value),
    V(no_device), V(tool_missing), V(set_failed) (the tool failed), V(verify_failed) (the tool reported success, the
    configuration read back afterwards does not have the new value).
  returned: failure
  type: str
port_type_array:
  description:
    - With V(config_unreadable), the O(settings)' LINK_TYPE_P1/P2 as the value of the C(mlx4_core) option
      C(port_type_array) (C(1) IB, C(2) Ethernet, C(0) the card's default for VPI); empty without them.
  returned: failure (config_unreadable)
  type: str
  sample: "2,2"
hint:
  description: What to do instead (the mlx4 fallback for config_unreadable).
  returned: failure
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import (
    TOOL_OPTION, select_flavour, binary, refuse, read_sysfs, tool_support)
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.module_utils import firmware, parse_mlxconfig, psid, tools

SYSFS_PCI = firmware.SYSFS_PCI
FALLBACK = ('set the port type through the mlx4 driver instead: "options mlx4_core port_type_array=2,2" in '
            '/etc/modprobe.d (connectx_mlx4_core_options in the driver role), or write "eth" to '
            '/sys/bus/pci/devices/%s/mlx4_port1 and mlx4_port2')


def read_config(module, runner, flavour, bdf, port_types=''):
    config_tool = binary(flavour, 'config')
    result = runner.run(tools.argv(flavour, 'config_query', device=bdf))
    try:
        parsed = parse_mlxconfig.parse_query(result.stdout)
    except ParseError:
        parsed = {'settings': {}, 'errors': [], 'readable': False}
    if result.ok and parsed['readable']:
        return parsed
    error = parse_mlxconfig.classify_error(result.output, result.rc)
    if error['reason'] == 'unsupported_device':
        fix = tools.fix_for(flavour)
        refuse(module, runner, '%s says "%s" for the card at %s: this version cannot configure ConnectX-3. Fix: %s.'
               % (config_tool, error['message'], bdf, fix), 'tool_unsupported', result=result, fix=fix)
    if error['reason'] == 'no_device':
        refuse(module, runner, 'Cannot open the card at %s: %s.' % (bdf, error['message']), 'no_device', result=result)
    hint = FALLBACK % bdf
    refuse(module, runner, 'The configuration of the card at %s cannot be read (%s), a known ConnectX-3 firmware '
           'limitation; %s.' % (bdf, error['message'], hint), 'config_unreadable', result=result, hint=hint,
           port_type_array=port_types)
    return None


def next_boot(entry):
    return entry.get('next_boot', entry.get('current'))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str', required=True),
            settings=dict(type='dict', required=True),
            tool=TOOL_OPTION,
        ),
        supports_check_mode=True,
    )
    runner = CommandRunner(module)
    flavour = select_flavour(runner, module.params['tool'])
    runner.find(binary(flavour, 'flint'))
    runner.find(binary(flavour, 'config'))
    bdf, devdir = firmware.find_card(module, runner, module.params['device'], SYSFS_PCI)
    family = psid.family_for_device_id((read_sysfs(os.path.join(devdir, 'device')) or '').lower().replace('0x', ''))
    support = tool_support(runner, flavour, family)
    if not support['config']:
        refuse(module, runner, '%s Fix: %s.' % (support['message'], support['fix']), 'tool_unsupported', fix=support['fix'])

    try:
        wanted = parse_mlxconfig.requested_settings(module.params['settings'])
    except ParseError as exc:
        refuse(module, runner, 'Invalid settings: %s. Nothing has been changed.' % exc, 'invalid_value')

    config = read_config(module, runner, flavour, bdf, parse_mlxconfig.driver_port_types(wanted))
    unknown = sorted(set(wanted) - set(config['settings']))
    if unknown:
        refuse(module, runner, 'The card at %s has no setting %s; it has: %s.' % (
            bdf, ', '.join(unknown), ', '.join(sorted(config['settings']))), 'unknown_setting', settings=unknown)

    before = dict((name, next_boot(config['settings'][name])) for name in wanted)
    todo = dict((name, value) for name, value in wanted.items()
                if parse_mlxconfig.normalize_value(name, before[name]) != value)
    pending = any('current' in config['settings'][name] and
                  parse_mlxconfig.normalize_value(name, config['settings'][name]['current']) != wanted[name]
                  for name in wanted)
    after = dict(before)
    if todo and not module.check_mode:
        result = runner.run(tools.argv(flavour, 'config_set', device=bdf, options=parse_mlxconfig.format_set_args(todo)),
                            mutating=True)
        if not result.ok:
            error = parse_mlxconfig.classify_error(result.output, result.rc)
            refuse(module, runner, 'Setting %s on %s failed: %s.' % (', '.join(sorted(todo)), bdf, error['message']),
                   error['reason'] if error['reason'] in ('invalid_value', 'unknown_setting') else 'set_failed',
                   result=result)
        check = read_config(module, runner, flavour, bdf)
        after = dict((name, next_boot(check['settings'].get(name, {}))) for name in wanted)
        wrong = sorted(n for n in todo if parse_mlxconfig.normalize_value(n, after[n]) != todo[n])
        if wrong:
            refuse(module, runner, 'After setting, %s still reads %s on %s.' % (
                ', '.join(wrong), ', '.join(str(after[n]) for n in wrong), bdf), 'verify_failed', after=after)
    elif todo:
        after.update(todo)
    diff = {'before': ''.join('%s: %s\n' % (n, before[n]) for n in sorted(before)),
            'after': ''.join('%s: %s\n' % (n, after[n]) for n in sorted(after))}
    module.exit_json(changed=bool(todo), before=before, after=after, changed_settings=sorted(todo),
                     reboot_required=bool(todo) or pending, device=bdf, tool=flavour, diff=diff)


if __name__ == '__main__':
    main()
