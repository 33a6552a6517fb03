# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proxmox VE before a reboot: the outputs of ``pvecm status``, ``ha-manager status``, ``qm list`` and ``pct list``,
and the decision whether (and how) a node may reboot. Pure functions, no Ansible import.

Formats (Proxmox VE 8): ``pvecm status`` prints pve-cluster's "Cluster information" block, then the output of
``corosync-quorumtool -siH`` (corosync 3, tools/corosync-quorumtool.c: display_quorum_data, display_nodes_data);
exit 2 when not quorate or when the node is in no cluster ("Corosync config ... does not exist - is this node part
of a cluster?", pve-cluster PVE::Corosync::check_conf_exists). ``ha-manager status`` lines come from
pve-ha-manager PVE::API2::HA::Status (``quorum OK``, ``master N (...)``, ``lrm N (<mode>, <time>)``,
``service vm:100 (N, started)``). ``qm list`` / ``pct list`` are qemu-server's and pve-container's fixed-width
tables (PVE::CLI::qm ``list``: VMID NAME STATUS MEM(MB) BOOTDISK(GB) PID; PVE::CLI::pct ``list``: VMID Status
Lock Name). ``pvecm nodes`` execs ``corosync-quorumtool -l`` (pve-cluster src/PVE/CLI/pvecm.pm ``nodes``): the same
"Membership information" table as the end of ``pvecm status``, with decimal node ids and node names.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

NOT_IN_CLUSTER = 'is this node part of a cluster'

_MEMBER_RE = re.compile(r'^\s*(0x[0-9a-fA-F]+|\d+)\s+(\d+)\s+(?:([A-Z]+(?:,[A-Z]+)*)\s+)?(\S+)(\s+\(local\))?\s*\Z')
_SERVICE_RE = re.compile(r'^service\s+((?:vm|ct):\d+)\s+\(([^,()]+),\s*([^)]+)\)\s*\Z')
_LRM_RE = re.compile(r'^lrm\s+(\S+)\s+\(([^,]+),')


def parse_pvecm_status(text):
    """``pvecm status`` of a cluster node: name, quorate, votes, quorum and the online members.

    Each member: ``{nodeid, votes, name, local}`` (``name`` is the ring0 address or the node name, as corosync
    prints it). Raises ParseError when the votequorum fields are missing.
    """
    fields = {}
    members = []
    section = None
    for line in (text or '').splitlines():
        stripped = line.strip()
        if stripped.endswith('information') and ':' not in stripped:
            section = stripped.lower()
            continue
        if section == 'membership information':
            if stripped.startswith('Nodeid') or not stripped or set(stripped) <= set('-~'):
                continue
            match = _MEMBER_RE.match(line)
            if match:
                nodeid = match.group(1)
                number = int(nodeid, 16) if nodeid.startswith('0x') else int(nodeid)
                # The QDevice's row has node id 0: its votes are in the totals, it is not a node that reboots.
                members.append({'nodeid': number, 'votes': int(match.group(2)), 'name': match.group(4),
                                'local': bool(match.group(5)), 'qdevice': number == 0})
            continue
        if ':' in stripped:
            key, value = stripped.split(':', 1)
            fields.setdefault(key.strip().lower(), value.strip())
    nodes = [m for m in members if not m['qdevice']]
    if fields.get('nodes', '').isdigit() and int(fields['nodes']) != len(nodes):
        raise ParseError('pvecm status lists %d member row(s) for Nodes: %s' % (len(nodes), fields['nodes']), output=text)
    try:
        expected = int(fields['expected votes'])
        total = int(fields['total votes'])
        quorum = int(fields['quorum'].split()[0])
    except (KeyError, ValueError, IndexError):
        raise ParseError('pvecm status printed no votequorum information (Expected votes, Total votes, Quorum)',
                         output=text)
    return {
        'name': fields.get('name'),
        'quorate': fields.get('quorate', '').lower() == 'yes',
        'expected_votes': expected,
        'total_votes': total,
        'quorum': quorum,
        'members': members,
    }


def parse_pvecm_nodes(text):
    """``pvecm nodes`` of a cluster node: ``[{nodeid, votes, name, local, qdevice}]``, one per row.

    The format is ``corosync-quorumtool -l`` (corosync 3, tools/corosync-quorumtool.c display_nodes_data and
    print_string_padded; ``pvecm nodes`` execs it, proxmox/pve-cluster src/PVE/CLI/pvecm.pm ``nodes``; the lab's
    stand-in tests/lab/host/pve/pvecm ``membership()`` / ``nodes()`` prints it so): after the "Membership information"
    title and its underline, a header ``'%10s ' % 'Nodeid'``, ``'%10s ' % 'Votes'``, with a QDevice also
    ``'%10s ' % 'Qdevice'``, then ``Name``; one row per online member, ``'%10s ' % nodeid``, ``'%10s ' % votes``,
    with a QDevice the member's QDevice state ``'%10s ' % 'A,V,NMW'``, then the node name and `` (local)`` on the
    row of the node that runs the command. The QDevice's own row has node id 0 (VOTEQUORUM_QDEVICE_NODEID), its votes
    and its name (``Qdevice``), and ``qdevice`` True here. Raises ParseError on a line that is none of these.
    """
    rows = []
    qdevice_column = False
    for line in (text or '').splitlines():
        tokens = line.split()
        if not tokens or line.strip() == 'Membership information' or set(line.strip()) <= set('-~'):
            continue
        if tokens[0] == 'Nodeid':
            # The header says whether there is a Qdevice column (the table is read by it, not by guessing whether
            # a word in capitals is a QDevice state or a node name).
            qdevice_column = 'Qdevice' in tokens
            continue
        local = tokens[-1] == '(local)'
        if local:
            tokens.pop()
        try:
            nodeid = int(tokens[0], 16) if tokens[0].startswith('0x') else int(tokens[0])
            votes = int(tokens[1])
        except (ValueError, IndexError):
            nodeid = votes = None
        # A node's row carries its QDevice state in that column; the QDevice's own row (node id 0) leaves it blank.
        name = tokens[3:] if qdevice_column and nodeid != 0 else tokens[2:]
        if nodeid is None or len(name) != 1:
            raise ParseError('pvecm nodes printed a line that is not Nodeid Votes%s Name: %r'
                             % (' Qdevice' if qdevice_column else '', line), output=text)
        rows.append({'nodeid': nodeid, 'votes': votes, 'name': name[0], 'local': local, 'qdevice': nodeid == 0})
    return rows


def parse_ha_status(text):
    """``ha-manager status``: quorum, the LRM mode of each node and the HA services with their node and state."""
    out = {'quorum_ok': False, 'lrm': {}, 'services': []}
    for line in (text or '').splitlines():
        line = line.strip()
        if line.startswith('quorum '):
            out['quorum_ok'] = line == 'quorum OK'
        match = _LRM_RE.match(line)
        if match:
            out['lrm'][match.group(1)] = match.group(2).strip()
        match = _SERVICE_RE.match(line)
        if match:
            out['services'].append({'sid': match.group(1), 'node': match.group(2).strip(), 'state': match.group(3).strip()})
    return out


def parse_qm_list(text):
    """``qm list``: ``[{vmid, name, status, type: qemu}]``. The default name ``VM <vmid>`` holds a space."""
    guests = []
    for line in (text or '').splitlines():
        tokens = line.split()
        if not tokens or tokens[0] == 'VMID':
            continue
        if not tokens[0].isdigit() or len(tokens) < 6:
            raise ParseError('qm list printed a line that is not VMID NAME STATUS MEM(MB) BOOTDISK(GB) PID: %r' % line,
                             output=text)
        guests.append({'vmid': int(tokens[0]), 'name': ' '.join(tokens[1:-4]), 'status': tokens[-4], 'type': 'qemu'})
    return guests


def parse_pct_list(text):
    """``pct list``: ``[{vmid, name, status, lock, type: lxc}]`` (the Lock column is empty unless locked)."""
    guests = []
    for line in (text or '').splitlines():
        tokens = line.split()
        if not tokens or tokens[0] == 'VMID':
            continue
        if not tokens[0].isdigit() or len(tokens) not in (3, 4):
            raise ParseError('pct list printed a line that is not VMID Status Lock Name: %r' % line, output=text)
        guests.append({'vmid': int(tokens[0]), 'status': tokens[1], 'lock': tokens[2] if len(tokens) == 4 else '',
                       'name': tokens[-1], 'type': 'lxc'})
    return guests


def guest_words(guest):
    return '%s %s (%s)' % ('VM' if guest['type'] == 'qemu' else 'CT', guest['vmid'], guest.get('name') or '?')


def decide(node, cluster, ha, guests, policy='refuse', parallel=1):
    """Whether ``node`` may reboot now, and what must happen first.

    ``cluster``: parse_pvecm_status() or None (a standalone node); ``ha``: parse_ha_status() or None;
    ``guests``: this node's guests (parse_qm_list + parse_pct_list); ``policy``: refuse | shutdown;
    ``parallel``: how many nodes may be down at once (this one included).
    Returns ``{ok, reason, message, fix, maintenance, shutdown, ha_guests, running}``: ``maintenance`` True when the
    node has HA services to move away (and is not in maintenance already), ``shutdown`` the running guests that are
    not HA-managed (stopped by the reboot otherwise).
    """
    ha = ha or {'services': [], 'lrm': {}}
    # An HA resource in state ignored is not managed by HA (it does not move): a plain guest for the reboot.
    ha_sids = set(s['sid'] for s in ha['services'] if s['state'] != 'ignored')
    mine = [s for s in ha['services'] if s['node'] == node]
    running = [g for g in guests if g.get('status') == 'running']

    def sid(guest):
        return '%s:%s' % ('vm' if guest['type'] == 'qemu' else 'ct', guest['vmid'])

    ha_guests = [g for g in running if sid(g) in ha_sids]
    plain = [g for g in running if sid(g) not in ha_sids]
    plan = {'ok': True, 'reason': None, 'message': None, 'fix': None,
            'maintenance': bool(mine) and ha['lrm'].get(node) != 'maintenance mode',
            'shutdown': plain, 'ha_guests': ha_guests, 'running': running}
    if cluster is not None:
        if not cluster['quorate']:
            return dict(plan, ok=False, reason='not_quorate', fix='bring the cluster back to quorum first',
                        message='the cluster %s is not quorate now (%d of %d votes, quorum %d)'
                                % (cluster.get('name'), cluster['total_votes'], cluster['expected_votes'], cluster['quorum']))
        own = [m['votes'] for m in cluster['members'] if m['local']]
        own = own[0] if own else 1
        others = sorted((m['votes'] for m in cluster['members'] if not m['local'] and not m['qdevice']), reverse=True)
        down = own + sum(others[:max(int(parallel), 1) - 1])
        left = cluster['total_votes'] - down
        if left < cluster['quorum']:
            together = ' together with %d other node(s)' % (max(int(parallel), 1) - 1) if parallel > 1 else ''
            return dict(plan, ok=False, reason='quorum_loss',
                        fix='add a QDevice (pvecm qdevice setup) or another node, or set connectx_reboot: false and reboot '
                            'it yourself%s' % (', or lower connectx_reboot_parallel' if parallel > 1 else ''),
                        message='rebooting %s%s would leave the cluster %s with %d of the %d votes it needs '
                                '(expected %d, online %d)' % (
                                    node, together, cluster.get('name'), left, cluster['quorum'],
                                    cluster['expected_votes'], cluster['total_votes']))
    if plain and policy != 'shutdown':
        return dict(plan, ok=False, reason='guests_running',
                    fix='shut them down or migrate them, or set connectx_reboot_guests: shutdown (they are started '
                        'again after the reboot)',
                    message='%s runs guests that a reboot would stop: %s' % (node, ', '.join(guest_words(g) for g in plain)))
    return plan
