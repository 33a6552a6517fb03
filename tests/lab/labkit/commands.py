# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""labctl's commands: up, wire, down, status, reboot, swap (and wire(), all but the containers)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import re
import shutil
import signal
import time

from labkit.apt_mirror import ensure_mirror, stop_mirror
from labkit.cables import cable_ends, card_of, carrier, plug, plug_modules, read_swaps, relay_alive, swaps_path, trained_speed, unplug
from labkit.cards import card_states, cardctl, ensure_cards, host_dir
from labkit.common import BRIDGE, EMU, PREFIX, STATE, LabError, host_suite, log, podman, run
from labkit.hosts import cluster_dir, container, ensure_cluster, ensure_container, ensure_timing, timing_profile, wait_booted
from labkit.image import alias_image, ensure_image
from labkit.inventory import write_inventory
from labkit.network import ensure_bridge, ensure_netns, in_ns, netsys_unmount
from labkit.ssh import boot_dir, ensure_ssh
from labkit.topology import management_net, split_port
import mirror  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error


def topology_stamp(topo):
    return hashlib.sha256(json.dumps(topo, sort_keys=True).encode()).hexdigest()


def lab_running(topo):
    """True when this topology is wired and all its containers run (a lab to keep, not to rebuild)."""
    try:
        with open(os.path.join(STATE, 'topology.sha256')) as handle:
            same = handle.read().strip() == topology_stamp(topo)
    except (IOError, OSError):
        same = False
    return same and all(podman('container', 'exists', container(n), check=False).returncode == 0 for n in topo['hosts'])


def wire(topo):
    """Image, bridge, each host's netns with its ports, the cards and the cables: all but the containers."""
    os.makedirs(STATE, exist_ok=True)
    run(['make', '-s', '-C', EMU])
    tags = dict((suite, ensure_image(suite)) for suite in ['bookworm'] + sorted({host_suite(h) for h in topo['hosts'].values()}))
    for suite, tag in tags.items():
        alias_image(tag, suite)
    net = ensure_bridge(topo)
    sources = ensure_mirror(dict((s, t) for s, t in tags.items() if s in {host_suite(h) for h in topo['hosts'].values()}), net)
    speeds = {}
    for cable in topo.get('cables') or []:
        speeds[cable['a']] = speeds[cable['b']] = trained_speed(cable)
    for name, host in sorted(topo['hosts'].items()):
        ensure_netns(topo, name, host, net, speeds)
        ensure_cards(name, host)
    ensure_ssh(topo)
    for name, host in topo['hosts'].items():
        # The host's apt sources (its init installs them at the first boot): the lab mirror of its release only.
        with open(os.path.join(boot_dir(name), 'sources.list'), 'w') as handle:
            handle.write('# The lab\'s local Debian mirror (tests/lab/mirror.py), standing in for deb.debian.org.\n'
                         + sources[host_suite(host)])
    ensure_timing(topo)
    ensure_cluster(topo)
    for cable in topo.get('cables') or []:
        plug_modules(topo, cable)
        plug(cable)
    with open(os.path.join(STATE, 'topology.sha256'), 'w') as handle:
        handle.write(topology_stamp(topo))
    return tags


def forget_backups():
    """A new lab has new cards: the controller's backups of the previous lab's cards go (a kept lab keeps them)."""
    shutil.rmtree(os.path.join(STATE, 'backups'), ignore_errors=True)


def cmd_up(topo):
    start = time.time()
    if not lab_running(topo):
        cmd_down(topo, quiet=True)  # leftovers of a crash or another topology: start clean
        forget_backups()
    tags = wire(topo)
    started = []
    for name in sorted(topo['hosts']):
        if ensure_container(name, tags[host_suite(topo['hosts'][name])], os.path.join(host_dir(name), 'fakemlx'),
                            str(next(management_net(topo).hosts()))):
            started.append(name)
    wait_booted(topo, sorted(topo['hosts']), timeout=120 + timing_profile()['boot_delay'])
    path = write_inventory(topo)
    log('up in %.1fs: %d hosts (%s started), %d cables; inventory %s'
        % (time.time() - start, len(topo['hosts']), ', '.join(started) or 'none', len(topo.get('cables') or []), path))


def cmd_wire(topo):
    """For molecule: a fresh lab without containers, unless this topology's lab already runs."""
    start = time.time()
    if lab_running(topo):
        log('wire: the lab of this topology is up; kept as it is')
    else:
        cmd_down(topo, quiet=True)
        forget_backups()
        wire(topo)
    path = write_inventory(topo)
    log('wired in %.1fs: %d hosts, %d cables; inventory %s'
        % (time.time() - start, len(topo['hosts']), len(topo.get('cables') or []), path))


def cmd_down(topo, quiet=False):
    del topo
    relays = os.path.join(STATE, 'relays')
    for name in (os.listdir(relays) if os.path.isdir(relays) else []):
        if name.endswith('.pid'):
            unplug(name[:-4])
    # Relays whose pid file was lost (a crash).
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                    cmdline = handle.read()
                args = cmdline.split(b'\0')
                if any(a.endswith(b'relay.py') for a in args) and any(a.startswith(PREFIX.encode() + b'-') for a in args):
                    os.kill(int(pid), signal.SIGTERM)
                if any(a.endswith(b'mirror.py') for a in args) and mirror.MARKER.encode() in args:
                    os.kill(int(pid), signal.SIGTERM)
            except (IOError, OSError):
                pass
    names = podman('ps', '-a', '--filter', 'label=cxlab=1', '--format', '{{.Names}}', check=False).stdout.split()
    if names:
        podman('rm', '-f', '-t', '0', *names, check=False)
    netsys_unmount()
    for ns in run(['ip', 'netns', 'list'], check=False).stdout.split():
        if ns.startswith(PREFIX + '-'):
            run(['ip', 'netns', 'del', ns], check=False)
    links = run(['ip', '-o', 'link', 'show'], check=False).stdout
    for dev in re.findall(r'^\d+: (cxm-[^:@]+)', links, re.M) + ([BRIDGE] if BRIDGE in links else []):
        run(['ip', 'link', 'del', dev], check=False)
    shutil.rmtree(os.path.join(STATE, 'hosts'), ignore_errors=True)
    stop_mirror()
    shutil.rmtree(relays, ignore_errors=True)
    shutil.rmtree(cluster_dir(), ignore_errors=True)
    if os.path.exists(swaps_path()):
        os.unlink(swaps_path())
    if os.path.exists(os.path.join(STATE, 'topology.sha256')):
        os.unlink(os.path.join(STATE, 'topology.sha256'))
    if not quiet:
        log('down: removed %d containers, the cxlab network namespaces, ports, bridge, relays and the package mirror' % len(names))


def cmd_status(topo):
    status = {'hosts': {}, 'cables': {}}
    for name in sorted(topo['hosts']):
        running = podman('inspect', '--format', '{{.State.Status}}', container(name), check=False).stdout.strip() or 'absent'
        cards = dict((bdf, {'psid': c.get('flash_psid'), 'fw': c.get('flash_fw'), 'running_fw': c.get('running_fw'),
                            'present': c.get('present')}) for bdf, c in card_states(name).items())
        status['hosts'][name] = {'container': running, 'cards': cards}
    for cable in topo.get('cables') or []:
        status['cables'][cable['name']] = {
            'plugged': bool(relay_alive(cable['name'])), 'speed_mbps': cable['speed_mbps'],
            'trained_mbps': trained_speed(cable),
            'ends': list(cable_ends(cable)),
            'carrier': dict((end, carrier(*split_port(end))) for end in cable_ends(cable))}
    print(json.dumps(status, indent=2, sort_keys=True))
    return status


def cmd_reboot(topo, name, timeout=None):
    """kill -TERM 1 in the container (what the roles' reboot does) and wait for a new boot id."""
    if name not in topo['hosts']:
        raise LabError('reboot: no host %s in the topology' % name)
    timeout = timeout or 60 + timing_profile()['boot_delay']
    old = podman('exec', container(name), 'cat', '/run/boot_id', check=False).stdout.strip()
    podman('exec', container(name), 'kill', '-TERM', '1', check=False)
    deadline = time.time() + timeout
    while time.time() < deadline:
        res = podman('exec', container(name), 'cat', '/run/boot_id', check=False)
        if res.returncode == 0 and res.stdout.strip() not in ('', old):
            return
        time.sleep(0.3)
    raise LabError('reboot: %s did not come back within %ds' % (name, timeout))


def cmd_swap(topo, host, port_a, port_b):
    """Move the cable end on HOST:PORT_A to HOST:PORT_B, the other port of the same card (the "moved the
    transceiver to port 2" case); its module moves with it. Swapping back restores the topology."""
    if host not in topo['hosts']:
        raise LabError('swap: no host %s in the topology' % host)
    ends = {}
    for port in (port_a, port_b):
        if card_of(topo, '%s:%s' % (host, port)) is None:
            raise LabError('swap: %s:%s is not a port of a card of %s (ports: %s)' % (
                host, port, host, ', '.join(d for c in topo['hosts'][host]['cards'] for d in c.get('netdevs') or [])))
        ends[port] = '%s:%s' % (host, port)
    if card_of(topo, ends[port_a]) is not card_of(topo, ends[port_b]):
        raise LabError('swap: %s and %s are not ports of the same card' % (port_a, port_b))
    moved = None
    for cable in topo.get('cables') or []:
        if ends[port_a] in cable_ends(cable):
            moved = cable
        elif ends[port_b] in cable_ends(cable):
            raise LabError('swap: %s is already cabled (cable %s)' % (ends[port_b], cable['name']))
    if moved is None:
        raise LabError('swap: no cable is plugged into %s' % ends[port_a])
    unplug(moved['name'])
    bdf = card_of(topo, ends[port_a])['bdf']
    if moved.get('module') is not None:
        cardctl(host, 'module', '--bdf', bdf, '--port', port_a, '--none')
    swaps = read_swaps()
    original = [end for end in (moved['a'], moved['b']) if swaps.get(end, end) == ends[port_a]][0]
    if original == ends[port_b]:
        swaps.pop(original, None)
    else:
        swaps[original] = ends[port_b]
    with open(swaps_path(), 'w') as handle:
        json.dump(swaps, handle)
    speed = trained_speed(moved)
    in_ns(host, 'ethtool', '-s', port_b, 'speed', str(speed), 'duplex', 'full', 'autoneg', 'off')
    plug_modules(topo, moved)
    plug(moved)
    log('swap: cable %s now ends at %s (was %s)' % (moved['name'], ends[port_b], ends[port_a]))
