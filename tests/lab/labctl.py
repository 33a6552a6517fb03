# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in lab: homelab hosts as podman containers with emulated ConnectX-3 cards, cabled at 40/56G.

    python3 tests/lab/labctl.py up | down | status | reboot HOST | unplug CABLE | plug CABLE |
                                swap HOST PORT_A PORT_B | fault HOST NAME=VALUE... | inventory | wire

`wire` builds everything but the containers (image, ports, cables, cards, inventory): molecule's podman
driver then starts the containers itself from the platforms of extensions/molecule/*/molecule.yml, on the
image tagged localhost/cxlab-host:lab and in the network namespaces made here.

Layout (everything named cxlab-*, state under .cache/lab/):
- each host has a named network namespace cxlab-<host> that outlives its container, so a "reboot"
  (kill -TERM 1 in the container; podman --restart=always starts it again) keeps its ports and cables;
- in it: mgmt0 (management, a veth into the host bridge cxlab0, never touched by the roles; on a Proxmox
  host the port of the bridge vmbr0 that holds the address and the default route, as the installer sets it up) and one TAP
  per card port (ens1, ens1d1) set to the speed the cable trains at with ethtool -s (trained_speed: a 56G
  cable without a Mellanox FDR module comes up at 40G);
- a cable is a relay process (tests/lab/relay.py) holding both TAPs: carrier while it runs;
- the card emulator's state (flash, NV config, VPD, module state) is .cache/lab/hosts/<host>/fakemlx,
  mounted at /var/lib/fakemlx; the real mstflint tools see it through /etc/ld.so.preload.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import os
import sys

LAB = os.path.dirname(os.path.abspath(__file__))
if LAB not in sys.path:
    sys.path.insert(0, LAB)
# The lab's code lives in tests/lab/labkit, by concern (its __init__ lists them); this file is its command line and
# keeps every name it has always had (bench/run.py reads labctl.TIMING), re-exported from there.
from labkit.common import (  # noqa: E402  pylint: disable=wrong-import-position
    BRIDGE, containers_conf, EMU, HOST_RECIPE, host_suite, LabError, LINK_DELAY, live_pid, log, MIRROR,
    OS_SUITES, podman, PREFIX, REPO, run, STATE,
)
from labkit.topology import (  # noqa: E402  pylint: disable=wrong-import-position
    load_topology, management_net, split_port,
)
from labkit.image import (  # noqa: E402  pylint: disable=wrong-import-position
    alias_image, ensure_image, IMAGE_ALIASES, image_tag,
)
from labkit.apt_mirror import (  # noqa: E402  pylint: disable=wrong-import-position
    ensure_mirror, mirror_alive, mirror_pidfile, stop_mirror,
)
from labkit.network import (  # noqa: E402  pylint: disable=wrong-import-position
    ensure_bridge, ensure_netns, in_ns, netns, NETSYS, netsys_dir, netsys_mount, netsys_mounts, netsys_unmount,
)
from labkit.cards import (  # noqa: E402  pylint: disable=wrong-import-position
    card_states, cardctl, ensure_cards, host_dir,
)
from labkit.cables import (  # noqa: E402  pylint: disable=wrong-import-position
    cable_ends, card_of, carrier, find_cable, plug, plug_modules, read_swaps, relay_alive, relay_pidfile,
    swaps_path, trained_speed, unplug,
)
from labkit.ssh import (  # noqa: E402  pylint: disable=wrong-import-position
    boot_dir, client_key, ensure_ssh, management_gateway, management_interfaces, ssh_dir, ssh_ready,
)
from labkit.hosts import (  # noqa: E402  pylint: disable=wrong-import-position
    cluster_dir, container, container_pid, ensure_cluster, ensure_container, ensure_timing, TIMING, timing_profile,
    wait_booted,
)
from labkit.inventory import (  # noqa: E402  pylint: disable=wrong-import-position
    IMAGE_NAMES, inventory, target_image, write_inventory,
)
from labkit.commands import (  # noqa: E402  pylint: disable=wrong-import-position
    cmd_down, cmd_reboot, cmd_status, cmd_swap, cmd_up, cmd_wire, forget_backups, lab_running, topology_stamp,
    wire,
)
import build_image  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error
import cardctl as emulated_cards  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error
import cluster  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error
import mirror  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error


__all__ = ['alias_image', 'boot_dir', 'BRIDGE', 'build_image', 'cable_ends', 'card_of', 'card_states', 'cardctl',
           'carrier', 'client_key', 'cluster', 'cluster_dir', 'cmd_down', 'cmd_reboot', 'cmd_status', 'cmd_swap',
           'cmd_up', 'cmd_wire', 'container', 'container_pid', 'containers_conf', 'EMU', 'emulated_cards',
           'ensure_bridge', 'ensure_cards', 'ensure_cluster', 'ensure_container', 'ensure_image', 'ensure_mirror',
           'ensure_netns', 'ensure_ssh', 'ensure_timing', 'find_cable', 'forget_backups', 'host_dir', 'HOST_RECIPE',
           'host_suite', 'IMAGE_ALIASES', 'IMAGE_NAMES', 'image_tag', 'in_ns', 'inventory', 'LAB', 'lab_running',
           'LabError', 'LINK_DELAY', 'live_pid', 'load_topology', 'log', 'main', 'management_gateway',
           'management_interfaces', 'management_net', 'MIRROR', 'mirror', 'mirror_alive', 'mirror_pidfile', 'netns',
           'NETSYS', 'netsys_dir', 'netsys_mount', 'netsys_mounts', 'netsys_unmount', 'OS_SUITES', 'plug',
           'plug_modules', 'podman', 'PREFIX', 'read_swaps', 'relay_alive', 'relay_pidfile', 'REPO',
           'run', 'split_port', 'ssh_dir', 'ssh_ready', 'STATE', 'stop_mirror', 'swaps_path', 'target_image',
           'TIMING', 'timing_profile', 'topology_stamp', 'trained_speed', 'unplug', 'wait_booted', 'wire',
           'write_inventory']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--topology', default=os.path.join(LAB, 'topology.yml'))
    sub = parser.add_subparsers(dest='cmd', required=True)
    for cmd in ('up', 'down', 'status', 'inventory', 'wire'):
        sub.add_parser(cmd)
    sub.add_parser('reboot').add_argument('host')
    sub.add_parser('unplug').add_argument('cable')
    sub.add_parser('plug').add_argument('cable')
    swap = sub.add_parser('swap')
    swap.add_argument('host')
    swap.add_argument('port_a')
    swap.add_argument('port_b')
    fault = sub.add_parser('fault')
    fault.add_argument('host')
    fault.add_argument('settings', nargs='+')
    fault.add_argument('--bdf', default='0000:03:00.0')
    args = parser.parse_args(argv)
    try:
        topo = load_topology(args.topology)
        if args.cmd == 'up':
            cmd_up(topo)
        elif args.cmd == 'down':
            cmd_down(topo)
        elif args.cmd == 'wire':
            cmd_wire(topo)
        elif args.cmd == 'status':
            cmd_status(topo)
        elif args.cmd == 'inventory':
            print(write_inventory(topo))
        elif args.cmd == 'reboot':
            cmd_reboot(topo, args.host)
        elif args.cmd == 'unplug':
            unplug(find_cable(topo, args.cable)['name'])
        elif args.cmd == 'plug':
            plug(find_cable(topo, args.cable))
        elif args.cmd == 'swap':
            cmd_swap(topo, args.host, args.port_a, args.port_b)
        elif args.cmd == 'fault':
            cardctl(args.host, 'fault', '--bdf', args.bdf, 'set', *args.settings)
    except LabError as exc:
        print('lab: error: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
