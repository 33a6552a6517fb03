# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Links as declared: merged from the inventory, checked for what cannot be checked, and cut into ends.

A link is declared once: ``{name, a: {host, iface}, b: {host, iface}, speed_mbps}`` (optionally ``mtu``).
An *end* is one side of it on one host, with what that host needs to check it (link_ends); link_eval.py evaluates
it there, link_text.py joins the evaluated ends of every host into the report, whose links have a status of
STATUS_ORDER: ``ok``, ``degraded`` (traffic flows, but slower or differently than declared) or ``down``.

Pure functions over plain data (no Ansible import), called through the ``homelab.connectx`` filters.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# The statuses of a link in the report, best first.
STATUS_ORDER = {'ok': 0, 'degraded': 1, 'down': 2}


def _address(value):
    """'198.18.12.1/24' -> '198.18.12.1'; None/'' stay ''."""
    return (value or '').split('/', 1)[0]


def _iface_conf(interfaces, name):
    for conf in interfaces or []:
        if isinstance(conf, dict) and conf.get('name') == name:
            return conf
    return {}


def merge_links(*lists):
    """Links declared in several places (group_vars, host_vars), merged by name, first one wins."""
    seen, out = set(), []
    for links in lists:
        for link in links or []:
            if isinstance(link, dict) and link.get('name') and link['name'] not in seen:
                seen.add(link['name'])
                out.append(link)
    return out


def address_problems(interfaces_by_host):
    """Sentences about an IPv4 address given to more than one port (connectx_interfaces of every host)."""
    owners = {}
    for host in sorted(interfaces_by_host or {}):
        for conf in interfaces_by_host[host] or []:
            if isinstance(conf, dict) and conf.get('address'):
                owners.setdefault(_address(str(conf['address'])), []).append('%s:%s' % (host, conf.get('name')))
    return ['address %s is given to %s (connectx_interfaces): give each port its own address'
            % (address, ' and '.join(where)) for address, where in sorted(owners.items()) if len(where) > 1]


def link_problems(links, play_hosts, inventory_hosts=None, interfaces_by_host=None):
    """Sentences about declarations that cannot be checked: unknown hosts, missing fields.

    ``inventory_hosts``: every host of the inventory. An end on one of them that is not in the play (left out by
    ``--limit``) is fine: links_in_run() keeps the links with an end in the run, and the report says which end was
    not in it. Without it, every end must be in ``play_hosts``.
    ``interfaces_by_host``: {host: connectx_interfaces}. An end on a host that lists ports must name one of them,
    and no address may be given twice. Hosts that list none (configured by other means) are not checked.
    """
    known = play_hosts if inventory_hosts is None else list(inventory_hosts)
    problems = []
    for link in links or []:
        name = link.get('name', '?') if isinstance(link, dict) else '?'
        if not isinstance(link, dict):
            problems.append('a link is not a mapping: %r' % (link,))
            continue
        for side in ('a', 'b'):
            end = link.get(side)
            if not isinstance(end, dict) or not end.get('host') or not end.get('iface'):
                problems.append('link %s: end %s needs host and iface' % (name, side))
            elif end['host'] not in known:
                problems.append('link %s: end %s names host %s, which is not in this play%s (hosts: %s)'
                                % (name, side, end['host'], '' if inventory_hosts is None else ' or the inventory',
                                   ', '.join(play_hosts)))
            else:
                ports = [c.get('name') for c in (interfaces_by_host or {}).get(end['host']) or [] if isinstance(c, dict)]
                if ports and end['iface'] not in ports:
                    problems.append('link %s: end %s names %s:%s, which is not in the connectx_interfaces of %s (%s): '
                                    'add it there or fix the link' % (name, side, end['host'], end['iface'], end['host'],
                                                                      ', '.join(str(p) for p in ports)))
        speed = link.get('speed_mbps')
        if not isinstance(speed, int) or isinstance(speed, bool) or speed <= 0:
            problems.append('link %s: speed_mbps must be a positive number of Mb/s, got %r' % (name, speed))
    return problems + address_problems(interfaces_by_host)


def links_in_run(links, run_hosts):
    """The links with at least one end on a host of this run (the others are left out by ``--limit``)."""
    run_hosts = set(run_hosts or [])
    return [link for link in links or [] if isinstance(link, dict)
            and any((link.get(side) or {}).get('host') in run_hosts for side in ('a', 'b'))]


def link_ends(links, host, interfaces_by_host, run_hosts=None):
    """The ends of ``links`` on ``host``, with what each end needs to be checked.

    ``interfaces_by_host``: {host: connectx_interfaces} (addresses, MTUs and bridges of the ports).
    ``run_hosts``: the hosts of this run; an end whose peer is not among them gets ``peer_in_run: false`` (its own
    port is checked, the peer is not pinged). None: every peer is in the run.
    """
    ends = []
    # The ports of this host that carry a declared link: a cable there is where it belongs.
    linked = sorted(set((link.get(side) or {}).get('iface') for link in links or [] if isinstance(link, dict)
                        for side in ('a', 'b') if (link.get(side) or {}).get('host') == host
                        and (link.get(side) or {}).get('iface')))
    for link in links or []:
        for side, other in (('a', 'b'), ('b', 'a')):
            me, peer = link.get(side) or {}, link.get(other) or {}
            if me.get('host') != host:
                continue
            mine = _iface_conf(interfaces_by_host.get(host), me.get('iface'))
            theirs = _iface_conf(interfaces_by_host.get(peer.get('host')), peer.get('iface'))
            mtu = link.get('mtu', mine.get('mtu'))
            ends.append({
                'link': link.get('name'),
                'end': side,
                'host': host,
                'iface': me.get('iface'),
                'peer_host': peer.get('host'),
                'peer_iface': peer.get('iface'),
                'peer_address': _address(peer.get('address') or theirs.get('address')),
                # With a bridge on the port, the address (and so the ping's source) is the bridge's.
                'source_iface': mine.get('bridge') or me.get('iface'),
                'speed_mbps': int(link.get('speed_mbps') or 0),
                'mtu': int(mtu) if mtu not in (None, '') else None,
                'peer_in_run': run_hosts is None or peer.get('host') in run_hosts,
                'linked_ports': linked,
            })
    return ends
