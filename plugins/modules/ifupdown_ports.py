#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ifupdown_ports
short_description: Configure ConnectX ports with ifupdown2, check them, and roll back a failed apply
description:
  - Checks before any change that the node runs ifupdown2 (C(/etc/network/interfaces) sources O(dir), C(ifreload) is
    installed) and that no port or bridge is one of O(protected) (the management path), or badly declared.
  - Writes one file per port, C(<dir>/<prefix><name>), in ifupdown2 syntax (address, MTU, an optional Proxmox bridge
    with C(bridge-ports <name>)); files that already hold that text are left alone.
  - With O(apply), runs C(ifreload --all) when a file changed or when C(ifquery --check) finds the running state
    different from the files, then C(ifquery --check) on the ports and bridges. When the reload or the check fails,
    the files are put back as they were (new ones removed), C(ifreload --all) runs again, and the module fails.
  - Check mode writes nothing; it runs C(ifreload --all --no-act) when a file would change (its output in
    RV(no_act)), else C(ifquery --check) (RV(in_sync)). Both are read-only.
  - Before a reload, creates C(/etc/iproute2/rt_tables.d) when it is missing (RV(created_dirs), with a warning);
    ifupdown2 writes its VRF table map there at every reload and fails the reload without it, and Debian 13's
    iproute2 (6.15) no longer ships C(/etc/iproute2) (CumulusNetworks/ifupdown2 pull request 348). Debian 13's
    ifupdown2 3.0.0 fails every C(ifreload --all) on such a node, VRF or not.
version_added: 0.3.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  interfaces:
    description: The ports.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Interface name (for example V(ens1)).
        type: str
        required: true
      address:
        description: IPv4 address with prefix length (for example V(198.18.12.1/24)); on the bridge when O(interfaces[].bridge) is set.
        type: str
      mtu:
        description: MTU, on the port and on the bridge.
        type: int
      bridge:
        description: Proxmox bridge on top of the port (for example V(vmbr1)).
        type: str
  protected:
    description:
      - Names that must never be configured (the management path, see
        P(homelab.connectx.connectx_protected_interfaces#filter)); a port or bridge among them is refused before any change.
    type: list
    elements: str
    default: []
  dir:
    description: Directory sourced by C(/etc/network/interfaces).
    type: path
    default: /etc/network/interfaces.d
  prefix:
    description:
      - File name prefix of the module's files, so that they never take the name of a file of the node's own.
      - 1 to 64 letters, digits, C(_), C(-) and C(.), not starting with C(.) (C(source DIR/*) skips dot files); a C(/) or
        C(..) is refused (C(reason=invalid_argument)) before any change.
    type: str
    default: connectx-
  apply:
    description: Apply with C(ifreload --all) and check with C(ifquery --check); V(false) only writes the files.
    type: bool
    default: true
  host:
    description: The node's name in the messages (the inventory name); default its host name.
    type: str
requirements:
  - ifupdown2
'''

EXAMPLES = r'''
- name: ens1 at 40 GbE with jumbo frames, ens1d1 under the Proxmox bridge vmbr1
  homelab.connectx.ifupdown_ports:
    interfaces:
      - {name: ens1, address: 198.18.12.1/24, mtu: 9000}
      - {name: ens1d1, address: 198.18.13.1/24, mtu: 9000, bridge: vmbr1}
    protected: [vmbr0, eno1]
'''

RETURN = r'''
files:
  description: The files written (in check mode, that would be).
  returned: success
  type: list
  elements: str
  sample: [/etc/network/interfaces.d/connectx-ens1]
in_sync:
  description:
    - Whether the running state matched the files before the call (C(ifquery --check) on the ports and bridges);
      null when it was not asked (a file changed, or O(apply=false)).
  returned: success
  type: bool
reloaded:
  description: Whether C(ifreload --all) ran (in check mode, would run).
  returned: success
  type: bool
no_act:
  description: The output of C(ifreload --all --no-act) (check mode, when a file would change).
  returned: when run
  type: list
  elements: str
created_dirs:
  description: The directories created before the reload (in check mode, that would be); see the description.
  returned: success
  type: list
  elements: str
  sample: [/etc/iproute2/rt_tables.d]
reason:
  description:
    - Machine-readable failure reason. V(invalid_argument) and V(management_interface) (bad or protected ports),
      V(no_ifupdown) (no C(/etc/network/interfaces), not sourcing O(dir), or no C(ifreload)), V(unreadable) (a file
      that cannot be read); nothing has been changed then. V(write_failed) when a file cannot be written (the ones
      written are put back), V(apply_failed) when the reload or the check failed and the files were put back.
  returned: failure
  type: str
'''

import os
import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import read_text, refuse, restore_files, write_files
from ansible_collections.homelab.connectx.plugins.module_utils import ifupdown

INTERFACES = '/etc/network/interfaces'
# Where ifupdown2's vrf addon writes ifupdown2_vrf_map.conf at every reload (see the description).
IPROUTE2_TABLES = '/etc/iproute2/rt_tables.d'
VRF_MAP_WARNING = ('created %s: ifupdown2 writes its VRF table map there at every reload and fails the reload without it; '
                   "Debian 13's iproute2 no longer ships /etc/iproute2 (CumulusNetworks/ifupdown2 pull request 348)")


def main():
    module = AnsibleModule(argument_spec=dict(
        interfaces=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True), address=dict(type='str'), mtu=dict(type='int'),
            bridge=dict(type='str'))),
        protected=dict(type='list', elements='str', default=[]),
        dir=dict(type='path', default='/etc/network/interfaces.d'),
        prefix=dict(type='str', default='connectx-'),
        apply=dict(type='bool', default=True),
        host=dict(type='str'),
    ), supports_check_mode=True)
    runner = CommandRunner(module, package_hints={
        'ifreload': 'ifupdown2 (Proxmox VE ships it; on Debian, apt-get install ifupdown2 from a console: it replaces ifupdown)',
        'ifquery': 'ifupdown2 (Proxmox VE ships it; on Debian, apt-get install ifupdown2 from a console: it replaces ifupdown)'})
    params = module.params
    host = params['host'] or socket.gethostname().split('.')[0]
    entries = params['interfaces']
    wrong = ifupdown.problems(entries)
    bad_prefix = ifupdown.prefix_problem(params['prefix'])
    if bad_prefix:
        wrong.append(bad_prefix)
    if wrong:
        refuse(module, runner, 'connectx_interfaces on %s: %s. Nothing has been changed.' % (host, '; '.join(wrong)),
               'invalid_argument')
    names = [e['name'] for e in entries] + [e['bridge'] for e in entries if e.get('bridge')]
    bad = [n for n in names if n in set(p.strip() for p in params['protected'])]
    if bad:
        refuse(module, runner, 'Refused: %s carries the management connection of %s (the management path there: %s); '
               'remove it from connectx_interfaces. Nothing has been changed.'
               % (', '.join(bad), host, ', '.join(params['protected'])), 'management_interface', interfaces=bad)
    try:
        main_text = read_text(INTERFACES, strict=True)
    except (OSError, IOError) as exc:
        refuse(module, runner, 'Cannot read %s on %s (%s); run as root (become: true). Nothing has been changed.'
               % (INTERFACES, host, exc), 'unreadable')
    if main_text is None:
        refuse(module, runner, '%s has no %s (its network is configured by netplan, NetworkManager or systemd-networkd): the '
               'interfaces role writes ifupdown2 stanzas only (Proxmox VE, Debian with ifupdown2). Set connectx_interfaces: [] '
               'for this host and configure its ConnectX ports with its own tools (link_check still checks them). Nothing has '
               'been changed.' % (host, INTERFACES), 'no_ifupdown')
    if not ifupdown.sources(main_text, params['dir']):
        refuse(module, runner, '%s on %s does not source %s: add the line "source %s/*" at its end (Proxmox VE 8 installs it '
               'by default). Nothing has been changed.' % (INTERFACES, host, params['dir'], params['dir']), 'no_ifupdown')
    if not runner.has('ifreload') or not runner.has('ifquery'):
        refuse(module, runner, 'ifupdown2 (ifreload) is not installed on %s; Proxmox VE ships it, on Debian install the package '
               'ifupdown2 (it replaces ifupdown; do it from a console). Nothing has been changed.' % host, 'no_ifupdown')
    if not names:
        module.exit_json(changed=False, files=[], in_sync=None, reloaded=False)

    wanted = dict((os.path.join(params['dir'], params['prefix'] + e['name']), ifupdown.stanza(e)) for e in entries)
    try:
        previous = dict((path, read_text(path, strict=True)) for path in wanted)
    except (OSError, IOError) as exc:
        refuse(module, runner, 'Cannot read a file of the role on %s (%s); run as root (become: true). Nothing has been '
               'changed.' % (host, exc), 'unreadable')
    files = sorted(p for p in wanted if previous[p] != wanted[p])
    missing = [] if os.path.isdir(IPROUTE2_TABLES) else [IPROUTE2_TABLES]
    result = dict(changed=bool(files), files=files, in_sync=None, reloaded=False, created_dirs=[])
    if module._diff:
        result['diff'] = [dict(before_header=p, after_header=p, before=previous[p] or '', after=wanted[p]) for p in files]
    check_argv = ['ifquery', '--check'] + names

    if module.check_mode:
        if files:
            noact = runner.run(['ifreload', '--all', '--no-act'])
            result['no_act'] = (noact.stdout + noact.stderr).splitlines() or [
                'ifreload -a --no-act: nothing to report, the stanzas would apply']
            result['reloaded'] = params['apply']
        elif params['apply']:
            result['in_sync'] = runner.run(check_argv).ok
            result['reloaded'] = not result['in_sync']
            result['changed'] = result['reloaded']
        if result['reloaded'] and missing:
            result['created_dirs'] = missing
            module.warn(VRF_MAP_WARNING % IPROUTE2_TABLES)
        module.exit_json(**result)

    try:
        write_files(module, dict((p, wanted[p]) for p in files), previous)
    except (OSError, IOError) as exc:
        refuse(module, runner, 'Cannot write the ConnectX interfaces on %s (%s); the files already written were put back. '
               'Nothing has been applied.' % (host, exc), 'write_failed')
    if not params['apply']:
        module.exit_json(**result)
    if not files:
        result['in_sync'] = runner.run(check_argv).ok
        if result['in_sync']:
            module.exit_json(**result)
    if missing:
        try:
            os.makedirs(IPROUTE2_TABLES, 0o755)
        except OSError as exc:
            refuse(module, runner, 'Cannot create %s on %s (%s), which ifupdown2 needs to reload; the files written are in '
                   'place but not applied: %s.' % (IPROUTE2_TABLES, host, exc, ', '.join(files) or 'none'), 'write_failed')
        result['created_dirs'] = missing
        module.warn(VRF_MAP_WARNING % IPROUTE2_TABLES)
    reload_ = runner.run(['ifreload', '--all'])
    failed = None if reload_.ok else ('ifreload --all', reload_)
    if failed is None:
        check = runner.run(check_argv)
        failed = None if check.ok else ('ifquery --check', check)
    if failed is not None:
        step, res = failed
        stuck = restore_files(module, dict((p, previous[p]) for p in files))
        runner.run(['ifreload', '--all'])
        back = ("the role's files were put back as they were" if not stuck else
                'the role\'s files were put back, but not %s (put them back by hand)' % ', '.join(stuck))
        refuse(module, runner, "Applying the ConnectX interfaces on %s failed; %s and the previous configuration reloaded. "
               "%s: %s" % (host, back, step, res.output.strip()), 'apply_failed', result=res, not_restored=stuck)
    result.update(changed=True, reloaded=True)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
