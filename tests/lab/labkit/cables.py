# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cables: a relay process (tests/lab/relay.py) between two TAPs, the module in each cage, the speed both ports
train at, and the ends moved by `labctl swap`."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import time

from labkit.cards import cardctl
from labkit.common import LAB, LINK_DELAY, STATE, LabError, live_pid, run
from labkit.network import netns
from labkit.topology import split_port
import cardctl as emulated_cards  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error


def relay_pidfile(cable):
    return os.path.join(STATE, 'relays', '%s.pid' % cable)


def relay_alive(cable):
    return live_pid(relay_pidfile(cable), lambda cmdline: b'relay.py' in cmdline)


def swaps_path():
    return os.path.join(STATE, 'swaps.json')


def read_swaps():
    """{"host:port": "host:other_port"}: cable ends moved by `labctl swap` (kept until the lab goes down)."""
    try:
        with open(swaps_path()) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return {}


def cable_ends(cable):
    """The cable's two ends as plugged now (after any swap)."""
    swaps = read_swaps()
    return swaps.get(cable['a'], cable['a']), swaps.get(cable['b'], cable['b'])


def card_of(topo, end):
    host, port = split_port(end)
    for card in topo['hosts'][host]['cards']:
        if port in (card.get('netdevs') or []):
            return card
    return None


def trained_speed(cable):
    """The speed the cable's two ports train at: its speed_mbps, but a 56000 cable comes up at 40000 unless its
    module is a Mellanox FDR cable (a known part of the emulator with the 14.0625 Gb/s lane rate, MC2207130): a
    ConnectX-3 runs Mellanox's 56 GbE only over Mellanox's own cables and autonegotiates 40 GbE over any other."""
    speed = cable['speed_mbps']
    module = cable.get('module')
    if speed != 56000 or module is None:
        return speed
    desc = emulated_cards.resolve_module(module)
    part = emulated_cards.KNOWN_PARTS.get((desc.get('part_number') or '')[:9], {})
    fdr = desc['type'] in ('dac', 'aoc') and desc.get('vendor') == 'Mellanox' and part.get('br', 0) >= 140
    return 56000 if fdr else 40000


def plug_modules(topo, cable):
    """The cable's module (DAC/AOC/...) in the cage at each end, as the topology declares it."""
    if cable.get('module') is None:
        return
    for end in cable_ends(cable):
        host, port = split_port(end)
        cardctl(host, 'module', '--bdf', card_of(topo, end)['bdf'], '--port', port, '--spec', json.dumps(cable['module']))


def plug(cable):
    if relay_alive(cable['name']):
        return
    (a_host, a_port), (b_host, b_port) = [split_port(end) for end in cable_ends(cable)]
    os.makedirs(os.path.dirname(relay_pidfile(cable['name'])), exist_ok=True)
    proc = subprocess.Popen([sys.executable, os.path.join(LAB, 'relay.py'), netns(a_host), a_port, netns(b_host), b_port, LINK_DELAY],
                            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(STATE, 'relays', '%s.log' % cable['name']), 'w'))
    with open(relay_pidfile(cable['name']), 'w') as handle:
        handle.write(str(proc.pid))
    time.sleep(0.2)
    if proc.poll() is not None:
        raise LabError('cable %s: the relay stopped at once (see .cache/lab/relays/%s.log)' % (cable['name'], cable['name']))


def unplug(cable_name):
    pid = relay_alive(cable_name)
    if pid:
        os.kill(pid, signal.SIGTERM)
        for attempt in range(50):
            if attempt and not relay_alive(cable_name):
                break
            time.sleep(0.05)
    if os.path.exists(relay_pidfile(cable_name)):
        os.unlink(relay_pidfile(cable_name))


def carrier(name, dev):
    res = run(['ip', '-n', netns(name), '-o', 'link', 'show', dev], check=False)
    return 'NO-CARRIER' not in res.stdout and 'LOWER_UP' in res.stdout if res.returncode == 0 else None


def find_cable(topo, name):
    for cable in topo.get('cables') or []:
        if cable['name'] == name:
            return cable
    raise LabError('no cable %s in the topology (cables: %s)' % (name, ', '.join(c['name'] for c in topo.get('cables') or [])))
