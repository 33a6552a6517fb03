# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's Proxmox VE 8 cluster stand-in, controller side: the topology's `cluster:` field, checked, and
the cluster state the stand-in commands of the lab hosts (tests/lab/host/pve: pvecm, ha-manager, qm, pct)
share. docs/lab/cluster.md describes what they answer and where each output format comes from.

Topology (optional top-level field; without it no host is clustered and no host has guests):

    cluster:
      name: homelab                  # corosync cluster_name: letters, digits, dashes, at most 15
      nodes: [pve1, pve2, pve3]      # cluster members: hosts of group proxmox; node ids 1, 2, ... in this
                                     # order, ring0 address = the host's management address
      votes: {pve1: 2}               # optional quorum_votes per node (positive integers; default 1)
      qdevice: false                 # optional: a QDevice (corosync-qnetd) that is always up; its votes are
                                     # what `pvecm qdevice setup` configures: 1 (ffsplit) for an even node
                                     # count, nodes - 1 (lms, setup --force) for an odd one; needs 2+ nodes
      guests:                        # optional VMs (qm) and containers (pct)
        - {vmid: 100, type: qemu, name: web, node: pve1, status: running, ha: true, maxmem_mb: 2048, bootdisk_gb: 32}
        - {vmid: 200, type: lxc, name: dns, node: pve2, status: running, onboot: true}

    guests[]: vmid    100..999999999, unique (pve-vmid)
              type    qemu | lxc
              node    a host of group proxmox (a cluster node, or a standalone Proxmox host)
              name    optional DNS-style name (default as on PVE: "VM <vmid>" / "CT<vmid>")
              status  running | stopped (default running)
              ha      optional bool: an HA resource (vm:<vmid> / ct:<vmid>), requested state = status;
                      only on a cluster node
              onboot  optional bool (default false, as on PVE): started again when its node reboots
              maxmem_mb, bootdisk_gb   qemu only: memory (MiB, >= 16, default 512) and boot disk size
                      (GiB, >= 0, default 0) that `qm list` shows
    `nodes` may be empty (no cluster, guests on standalone hosts); `name` is required when it is not.

State directory: controller .cache/lab/cluster/, mounted read-write into every lab host at
/var/lib/cxlab-cluster. It holds

- cluster.json  written by write_state() from initial_state(topo) before the hosts boot - also for a
                topology without `cluster:`, so that its Proxmox hosts get the standalone answers - then
                kept by the stand-in commands (under the fcntl lock cluster.lock); read_state() reads it.
                Rewriting it while the hosts run resets maintenance flags, guest states and moves;
- up/<node>     node liveness, NOT in cluster.json. Contract with tests/lab/host/init: at the end of each
                boot the init writes the boot id to up/<its hostname>; when PID 1 gets TERM (a reboot) it
                removes that file before it exits. node_online() is "the file exists". The stand-ins see
                a changed boot id as a reboot (the node's guests stopped and, with onboot / HA, started
                again) and a missing file as a node that is down (not in the corosync membership; its HA
                services frozen, as with shutdown_policy conditional). A host killed without TERM keeps
                its file: remove up/* when the lab is torn down.

The init lines (the directory exists only where it is mounted):

    python3 /opt/cxlab/host/pve/cxlab_pve.py install                  # with the other ln -sf lines
    [ -d /var/lib/cxlab-cluster/up ] && cat /run/cxlab-boot-id > "/var/lib/cxlab-cluster/up/$(cat /proc/sys/kernel/hostname)"
    trap 'rm -f "/var/lib/cxlab-cluster/up/$(cat /proc/sys/kernel/hostname)"; exit 0' TERM INT

(`install` links pvecm, ha-manager, qm and pct into /usr/sbin on the Proxmox hosts of cluster.json and
removes such links elsewhere.)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import sys

LAB = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(LAB, 'host', 'pve'))
import cxlab_pve  # noqa: E402  pylint: disable=wrong-import-position,import-error

FIELDS = ('name', 'nodes', 'votes', 'qdevice', 'guests')
GUEST_FIELDS = ('vmid', 'type', 'name', 'node', 'status', 'ha', 'onboot', 'maxmem_mb', 'bootdisk_gb')
QEMU_ONLY = ('maxmem_mb', 'bootdisk_gb')
CLUSTER_NAME = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9-]{0,13}[A-Za-z0-9])?$')
DNS_NAME = re.compile(r'^(?=.{1,63}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$')
DEFAULT_MAXMEM_MB = 512  # qemu-server: memory defaults to 512 MiB

STATE_FILE = cxlab_pve.STATE_FILE
UP_DIR = cxlab_pve.UP_DIR
HOST_DIR = cxlab_pve.DEFAULT_DIR


def _fail(where, message):
    raise ValueError('topology: %s: %s' % (where, message))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _proxmox_host(topo, where, name):
    hosts = topo.get('hosts') if isinstance(topo.get('hosts'), dict) else {}
    if not isinstance(name, str) or name not in hosts:
        _fail(where, 'host %s is not in hosts' % ('"%s"' % name if isinstance(name, str) else repr(name)))
    group = hosts[name].get('group') if isinstance(hosts[name], dict) else None
    if group != 'proxmox':
        _fail(where, 'host "%s" is not a Proxmox host (group %s)' % (name, group))


def _validate_guest(topo, cluster, index, guest, seen):
    where = 'cluster.guests[%d]' % index
    if not isinstance(guest, dict):
        _fail(where, 'must be a mapping')
    for key in guest:
        if key not in GUEST_FIELDS:
            _fail('%s.%s' % (where, key), 'unknown field (known: %s)' % ', '.join(GUEST_FIELDS))
    vmid = guest.get('vmid')
    if not _is_int(vmid) or not 100 <= vmid <= 999999999:
        _fail(where + '.vmid', 'must be an integer 100..999999999, got %r' % (vmid,))
    if vmid in seen:
        _fail(where + '.vmid', '%d is already used by cluster.guests[%d]' % (vmid, seen[vmid]))
    seen[vmid] = index
    if guest.get('type') not in ('qemu', 'lxc'):
        _fail(where + '.type', 'must be qemu or lxc, got %r' % (guest.get('type'),))
    if 'name' in guest and not (isinstance(guest['name'], str) and DNS_NAME.match(guest['name'])):
        _fail(where + '.name', 'must be a DNS name (letters, digits, dots, dashes), got %r' % (guest['name'],))
    _proxmox_host(topo, where + '.node', guest.get('node'))
    if guest.get('status', 'running') not in ('running', 'stopped'):
        _fail(where + '.status', 'must be running or stopped, got %r' % (guest.get('status'),))
    for key in ('ha', 'onboot'):
        if key in guest and not isinstance(guest[key], bool):
            _fail('%s.%s' % (where, key), 'must be true or false, got %r' % (guest[key],))
    if guest.get('ha') and guest['node'] not in (cluster.get('nodes') or []):
        _fail(where + '.ha', 'HA needs a cluster node: "%s" is not in cluster.nodes' % guest['node'])
    for key in QEMU_ONLY:
        if key in guest and guest['type'] != 'qemu':
            _fail('%s.%s' % (where, key), 'only for type qemu')
    if 'maxmem_mb' in guest and not (_is_int(guest['maxmem_mb']) and guest['maxmem_mb'] >= 16):
        _fail(where + '.maxmem_mb', 'must be an integer >= 16, got %r' % (guest['maxmem_mb'],))
    disk = guest.get('bootdisk_gb', 0)
    if isinstance(disk, bool) or not isinstance(disk, (int, float)) or disk < 0:
        _fail(where + '.bootdisk_gb', 'must be a number >= 0, got %r' % (disk,))


def validate(topo):
    """Check the optional `cluster:` field of a topology; ValueError with a one-line message naming the field."""
    if 'cluster' not in topo or topo['cluster'] is None:
        return
    cluster = topo['cluster']
    if not isinstance(cluster, dict):
        _fail('cluster', 'must be a mapping')
    for key in cluster:
        if key not in FIELDS:
            _fail('cluster.%s' % key, 'unknown field (known: %s)' % ', '.join(FIELDS))
    nodes = cluster.get('nodes', [])
    if not isinstance(nodes, list):
        _fail('cluster.nodes', 'must be a list of host names')
    for index, name in enumerate(nodes):
        _proxmox_host(topo, 'cluster.nodes[%d]' % index, name)
        if name in nodes[:index]:
            _fail('cluster.nodes[%d]' % index, 'host "%s" is listed twice' % name)
    if nodes and not (isinstance(cluster.get('name'), str) and CLUSTER_NAME.match(cluster['name'])):
        _fail('cluster.name', 'must be a cluster name (letters, digits, dashes, at most 15), got %r' % (cluster.get('name'),))
    votes = cluster.get('votes', {})
    if not isinstance(votes, dict):
        _fail('cluster.votes', 'must be a mapping of node: votes')
    for name, count in votes.items():
        if name not in nodes:
            _fail('cluster.votes.%s' % name, 'not a node of cluster.nodes')
        if not _is_int(count) or count < 1:
            _fail('cluster.votes.%s' % name, 'must be a positive integer, got %r' % (count,))
    qdevice = cluster.get('qdevice', False)
    if not isinstance(qdevice, bool):
        _fail('cluster.qdevice', 'must be true or false, got %r' % (qdevice,))
    if qdevice and len(nodes) < 2:
        _fail('cluster.qdevice', 'a QDevice needs at least 2 cluster nodes')
    guests = cluster.get('guests', [])
    if not isinstance(guests, list):
        _fail('cluster.guests', 'must be a list of guests')
    seen = {}
    for index, guest in enumerate(guests):
        _validate_guest(topo, cluster, index, guest, seen)


def initial_state(topo):
    """The cluster state (JSON-serialisable) of a validated topology, nothing running but what it says."""
    validate(topo)
    cluster = topo.get('cluster') or {}
    names = list(cluster.get('nodes', []))
    votes = cluster.get('votes', {})
    state = {
        'format': cxlab_pve.STATE_FORMAT,
        # pvecm create writes config_version 1, each join and `pvecm qdevice setup` add one (Corosync.pm)
        'cluster': {'name': cluster['name'], 'config_version': len(names) + (1 if cluster.get('qdevice') else 0)} if names else None,
        'nodes': [{'name': name, 'nodeid': i + 1, 'votes': votes.get(name, 1), 'maintenance': False,
                   'ring0_addr': str(topo['hosts'][name]['management'])} for i, name in enumerate(names)],
        'qdevice': None,
        'pve_hosts': sorted(n for n, h in topo['hosts'].items() if isinstance(h, dict) and h.get('group') == 'proxmox'),
        'boots': {},
        'guests': [],
        'ha': {'resources': {}, 'master': None},
        'next_pid': cxlab_pve.FIRST_PID,
    }
    if cluster.get('qdevice'):
        even = len(names) % 2 == 0
        state['qdevice'] = {'name': 'Qdevice', 'algorithm': 'ffsplit' if even else 'lms', 'votes': 1 if even else len(names) - 1}
    for spec in cluster.get('guests', []):
        guest = {'vmid': spec['vmid'], 'type': spec['type'], 'name': spec.get('name'), 'node': spec['node'],
                 'status': 'stopped', 'pid': 0, 'onboot': spec.get('onboot', False)}
        if spec['type'] == 'qemu':
            guest['maxmem_mb'] = spec.get('maxmem_mb', DEFAULT_MAXMEM_MB)
            guest['bootdisk_gb'] = spec.get('bootdisk_gb', 0)
        if spec.get('status', 'running') == 'running':
            cxlab_pve.set_guest_running(state, guest, True)
        state['guests'].append(guest)
        if spec.get('ha'):
            state['ha']['resources'][cxlab_pve.sid_of(guest)] = {
                'state': 'started' if guest['status'] == 'running' else 'stopped', 'maintenance_node': None}
    return state


def write_state(directory, state):
    """Write <directory>/cluster.json atomically (under the stand-ins' lock); creates the directory and up/."""
    os.makedirs(os.path.join(directory, UP_DIR), exist_ok=True)
    with cxlab_pve.locked(directory):
        cxlab_pve.write_state_unlocked(directory, state)


def read_state(directory):
    """<directory>/cluster.json as a dict, None when there is none."""
    return cxlab_pve.read_state(directory)


def node_online(directory, node):
    """The node's init has booted it and not yet been told to stop: <directory>/up/<node> exists."""
    return cxlab_pve.node_online(directory, node)
