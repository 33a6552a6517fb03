# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Links between hosts: which ends a host has, what is wrong with each end, and the link report.

Pure functions over plain data (no Ansible import): the link_check role calls them through the
``homelab.connectx`` filters, the report templates only print what they return.

A link is declared once: ``{name, a: {host, iface}, b: {host, iface}, speed_mbps}``.
An *end* is one side of it on one host, evaluated on that host (carrier, speed, ping...).
The *report* joins the evaluated ends of every host into one entry per link with a status:
``ok``, ``degraded`` (traffic flows, but slower or differently than declared: lower speed, a PCIe
slot below the link speed, wrong MTU/driver/duplex) or ``down`` (no carrier, no interface, peer
does not answer, host missing) and the reasons in plain words.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math

from ansible_collections.homelab.connectx.plugins.module_utils.netstack import is_ip
from ansible_collections.homelab.connectx.plugins.module_utils import psid as boards

# PCIe generation by transfer rate (GT/s per lane).
PCIE_GEN = {2.5: '1.0', 5.0: '2.0', 8.0: '3.0', 16.0: '4.0', 32.0: '5.0', 64.0: '6.0'}

STATUS_ORDER = {'ok': 0, 'degraded': 1, 'down': 2}

# Cables that run Mellanox's 56 GbE (FDR signalling) on a ConnectX-3: part-number prefixes (the suffix is the length).
# - MC2207130-xxx: Mellanox's own bill of materials for 40/56GbE ConnectX-3 (Pro) clouds lists "16 40/56GbE cables
#   (Mellanox OPN MC2207130)" (OpenStack Fuel documentation, openstack-archive/fuel-docs, the Mellanox example "HA +
#   Neutron with VLAN + SR-IOV & iSER"); homelab write-ups of ConnectX-3 at 56G name the -00A (0.5 m) as "Mellanox 56G
#   QSFP+ FDR InfiniBand DAC".
# - MC2207128-xxx: the 28 AWG lengths of the same FDR passive copper family (a LinkX DAC table on GitHub lists
#   MC2207128-003 as "56G | QSFP to QSFP | 3.0m | 30AWG | 56G IB Passive Copper Cable").
# Any other Mellanox cable counts when its EEPROM states the FDR lane rate (FDR_LANE_MBPS).
MELLANOX_56G_CABLES = (
    ('MC2207130-', 'passive copper DAC, FDR / 56 GbE'),
    ('MC2207128-', 'passive copper DAC, FDR / 56 GbE'),
)
# FDR runs each of the 4 lanes at 14.0625 Gb/s, 64b/66b (56.25 Gb/s; Mellanox switch manuals, "Speed"); SFF-8636
# byte 140 (nominal bit rate, in 100 Mb/s) is 141 on such a cable, which ethtool prints as "BR, Nominal : 14100Mbps",
# against 103 (10300Mbps) on a 10/40 GbE one.
FDR_LANE_MBPS = 14000
MELLANOX_OUI = '00:02:c9'
SENTENCE_56G = '56GbE needs a Mellanox DAC (e.g. MC2207130-xxx); this is %s'


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


def _device_of(devices, iface):
    for dev in devices or []:
        if iface in (dev.get('netdevs') or []):
            return dev
    return None


def pcie_words(pcie):
    """'PCIe 3.0 x4 (8 GT/s)' for a link dict, or None."""
    if not pcie or pcie.get('speed_gts') is None or pcie.get('width') is None:
        return None
    gen = PCIE_GEN.get(float(pcie['speed_gts']))
    return 'PCIe %s x%s (%s GT/s)' % (gen or '?', pcie['width'], _num(pcie['speed_gts']))


def _num(value):
    value = float(value)
    return ('%d' % value) if value == int(value) else ('%g' % value)


def is_mellanox(module):
    """Whether a module (link_info's module dict) is Mellanox's: by vendor name, or Mellanox's OUI."""
    module = module or {}
    vendor = (module.get('vendor') or '').lower()
    return 'mellanox' in vendor or 'nvidia' in vendor or (module.get('vendor_oui') or '').lower() == MELLANOX_OUI


def capable_56g(module):
    """Whether a module runs Mellanox's 56 GbE: a Mellanox cable of MELLANOX_56G_CABLES, or one with an FDR lane rate."""
    module = module or {}
    if module.get('kind') not in ('dac', 'aoc') or not is_mellanox(module):
        return False
    part = (module.get('part_number') or '').upper()
    return any(part.startswith(prefix) for prefix, _what in MELLANOX_56G_CABLES) or \
        (module.get('br_nominal_mbps') or 0) >= FDR_LANE_MBPS


def module_present(module):
    """True: a module is in the cage; False: the cage is empty; None: not known (not read, no driver support)."""
    if not module:
        return None
    if module.get('kind') and module.get('kind') != 'none':
        return True
    return module.get('present')


def module_name(module):
    """'Generic QSFP-40G-DAC1M' (vendor and part number) of a module, or its summary, or None."""
    module = module or {}
    words = ' '.join(part for part in (module.get('vendor'), module.get('part_number')) if part)
    return words or module.get('summary')


def _link_modes_max(modes):
    speeds = [int(str(m).split('base', 1)[0]) for m in modes or [] if str(m).split('base', 1)[0].isdigit()]
    return max(speeds) if speeds else None


def _card(device):
    """What the report says of the card: model from the PSID table, PSID, PCI address, Ethernet top speed."""
    device = device or {}
    psid = device.get('psid')
    known = boards.board(psid) or {}
    text = boards.model_text(psid) or device.get('model') or device.get('part_number')
    return {'psid': psid, 'model': known.get('part_number') or device.get('part_number') or device.get('model'),
            'text': text, 'pci_address': device.get('pci_address'), 'eth_max_mbps': known.get('eth_max_mbps')}


def _cable_elsewhere(end, info, device, ports):
    """The other port of the same card that holds this end's cable, or None.

    This port has no carrier; another port of the card that carries no declared link has carrier, or a module while
    this cage is empty (a port that is administratively down has no carrier, whatever is plugged in).
    """
    module = info.get('module')
    mine = module_present(module)
    netdevs = list((device or {}).get('netdevs') or info.get('card_ports') or [])
    for port in netdevs:
        if port == end.get('iface') or port in (end.get('linked_ports') or []):
            continue
        other = (ports or {}).get(port) or {}
        if other.get('carrier') and mine is not True:
            return port
        if mine is False and module_present(other.get('module')):
            return port
    return None


def evaluate_end(end, info, ping_rc=None, device=None, driver='mlx4_en', duplex='full', ping=True, ports=None):
    """Compare one end with its declaration. ``info``: link_info's entry for the iface (or None).

    ``ping_rc``: exit code of the ping to the peer (None: not run). ``ports``: link_info's ports of this host by name
    (its interfaces and other_ports), for the card's other port. Returns the end with ``state``, ``errors`` (sentences
    naming the link, the end and the field), ``findings`` (the same as ``{code, text}``), ``down`` (no traffic can
    flow), ``pcie``, ``pci_address``, ``card``, ``module``, ``port_max_mbps`` and ``pcie_limited`` (the slot gives
    less than the link speed).
    """
    where = 'link %s, end %s (%s:%s)' % (end.get('link'), end.get('end'), end.get('host'), end.get('iface'))
    findings, down = [], False

    def add(code, text):
        findings.append({'code': code, 'text': '%s: %s' % (where, text)})

    if not info:
        add('no_interface', 'interface not found')
        down = True
    else:
        if not info.get('carrier'):
            # Speed and duplex are unknown without a link: the carrier is the one thing to say.
            elsewhere = _cable_elsewhere(end, info, device, ports)
            if elsewhere:
                add('wrong_port', u'the cable is on %s, not %s \u2014 move it back or change connectx_links'
                    % (elsewhere, end.get('iface')))
            else:
                add('no_carrier', 'carrier is down (cable unplugged or peer port down)')
            down = True
        else:
            speed = info.get('speed_mbps')
            if speed != end.get('speed_mbps'):
                got = '%s Mb/s' % speed if speed is not None else 'unknown'
                add('speed', 'speed is %s, expected %s Mb/s' % (got, end.get('speed_mbps')))
            if duplex and str(info.get('duplex') or '').lower() != duplex:
                add('duplex', 'duplex is %s, expected %s' % (info.get('duplex') or 'unknown', duplex))
        if driver and info.get('driver') != driver:
            add('driver', 'driver is %s, expected %s' % (info.get('driver') or 'unknown', driver))
        if end.get('mtu') is not None and info.get('mtu') != end['mtu']:
            add('mtu', 'MTU is %s, expected %s' % (info.get('mtu', 'unknown'), end['mtu']))
    # A peer outside this run (--limit) is not pinged: it may not be configured yet.
    if ping and end.get('peer_in_run', True):
        if not end.get('peer_address'):
            add('peer_address', 'no address known for the peer %s:%s (set it in its connectx_interfaces)'
                % (end.get('peer_host'), end.get('peer_iface')))
        elif not is_ip(end['peer_address']):
            add('peer_address', 'the peer address %r of %s:%s is not an IP address (fix it in its connectx_interfaces)'
                % (end['peer_address'], end.get('peer_host'), end.get('peer_iface')))
        elif ping_rc != 0:
            add('ping', 'peer %s %s does not answer ping over %s'
                % (end.get('peer_host'), end.get('peer_address'), end.get('source_iface')))
            down = True
    pcie = dict((device or {}).get('pcie') or {})
    ceiling = pcie.get('ceiling_gbps')
    speed = (info or {}).get('speed_mbps') or end.get('speed_mbps')
    state = dict(info or {})
    module = state.pop('module', None)
    result = dict(end)
    result.update({
        'state': state,
        'errors': [f['text'] for f in findings],
        'findings': findings,
        'down': down,
        'pcie': pcie,
        'pci_address': (device or {}).get('pci_address'),
        'card': _card(device),
        'module': module,
        'port_max_mbps': _link_modes_max(state.get('supported_link_modes')),
        'fw_version': (device or {}).get('fw_version_running') or (device or {}).get('fw_version')
        or (info or {}).get('firmware_version'),
        'pcie_limited': bool(ceiling is not None and speed and float(ceiling) * 1000 < speed),
    })
    return result


def ping_peers(ends):
    """``{source, address}`` for each end whose peer is in this run and has an IP address, once each (an address that
    is not an IP is that end's error, see evaluate_end, not a refusal of the whole read)."""
    out = []
    for end in ends or []:
        if not (isinstance(end, dict) and end.get('peer_in_run', True) and end.get('peer_address') and end.get('source_iface')
                and is_ip(end['peer_address'])):
            continue
        peer = {'source': end['source_iface'], 'address': end['peer_address']}
        if peer not in out:
            out.append(peer)
    return out


def evaluate_ends(ends, interfaces, ping_results=None, devices=None, driver='mlx4_en', duplex='full', ping=True,
                  ports=None):
    """evaluate_end for every end.

    ``ping_results``: link_info's ``ping`` list (``{source, address, rc}``), or the registered results of a
    ping loop whose items are the ends (the Windows ends). ``ports``: link_info's ``other_ports`` (the card ports
    that were not asked for), to tell a cable on the card's other port from a dead link.
    """
    every_port = dict(ports or {})
    every_port.update(interfaces or {})
    by_end, by_peer = {}, {}
    for res in ping_results or []:
        item = res.get('item') or {}
        if 'rc' not in res:
            continue
        if item:
            by_end[(item.get('link'), item.get('end'))] = res['rc']
        else:
            by_peer[(res.get('source'), res.get('address'))] = res['rc']
    out = []
    for end in ends or []:
        rc = by_end.get((end.get('link'), end.get('end')), by_peer.get((end.get('source_iface'), end.get('peer_address'))))
        out.append(evaluate_end(end, (interfaces or {}).get(end.get('iface')), rc,
                                _device_of(devices, end.get('iface')), driver=driver, duplex=duplex, ping=ping,
                                ports=every_port))
    return out


def iperf_gbps(result):
    """Received Gb/s of one ``iperf3 --json`` run (a dict, already decoded), or None."""
    try:
        return round(float(result['end']['sum_received']['bits_per_second']) / 1e9, 2)
    except (KeyError, TypeError, ValueError):
        return None


def iperf_measurements(results):
    """``{link, direction, gbps, error}`` from the registered results of the iperf3 client loop.

    Each loop item is ``[end, extra_args]``; ``--reverse`` in extra_args means the b->a direction.
    """
    out = []
    for res in results or []:
        if not isinstance(res, dict) or 'rc' not in res:
            continue
        item = res.get('item') or [{}, []]
        data = None
        try:
            data = json.loads(res.get('stdout') or '')
        except ValueError:
            pass
        gbps = iperf_gbps(data) if res['rc'] == 0 else None
        error = None
        if gbps is None:
            error = ((data or {}).get('error') if isinstance(data, dict) else None) or (res.get('stderr') or '').strip() \
                or 'iperf3 exited with %s' % res['rc']
        out.append({'link': (item[0] or {}).get('link'), 'direction': 'b->a' if '--reverse' in (item[1] or []) else 'a->b',
                    'gbps': gbps, 'error': error})
    return out


def _ceiling_text(end):
    pcie = end.get('pcie') or {}
    words = pcie_words(pcie)
    if not words or pcie.get('ceiling_gbps') is None:
        return None
    encoding = '128/130' if float(pcie['speed_gts']) >= 8 else '8/10'
    text = '%s:%s sits in %s: ceiling %s Gb/s raw (%s GT/s x %s lanes x %s encoding)' % (
        end['host'], end['iface'], words, _num(pcie['ceiling_gbps']), _num(pcie['speed_gts']), pcie['width'], encoding)
    if pcie.get('usable_gbps') is not None:
        text += ', about %s Gb/s after PCIe protocol overhead' % _num(pcie['usable_gbps'])
    return text


def _min(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None


def link_report(links, ends, measurements=None, hosts=None, run_hosts=None):
    """One entry per declared link, worst status first, plus the hosts and a diagram layout.

    ``ends``: evaluated ends of every host (evaluate_end results), ``measurements``: list of
    ``{link, direction ('a->b'|'b->a'), gbps, error}``, ``hosts``: {host: {devices: [...], os}}.
    ``run_hosts``: the hosts of this run; an end on another host (left out by ``--limit``) is a warning, not a
    down link. None: every host was meant to be in the run.
    """
    by_key = dict(((e.get('link'), e.get('end')), e) for e in ends or [])
    measured = {}
    for m in measurements or []:
        measured.setdefault(m.get('link'), []).append(m)
    out = []
    if run_hosts is not None:  # a link with no end in this run has nothing to report
        links = links_in_run(links, run_hosts)
    for link in links or []:
        name = link.get('name')
        speed = int(link.get('speed_mbps') or 0)
        entry = {'name': name, 'speed_mbps': speed, 'ends': {}, 'reasons': [], 'warnings': [],
                 'measured': sorted(measured.get(name, []), key=lambda m: m.get('direction') or '')}
        status = 'ok'
        for side in ('a', 'b'):
            decl = link.get(side) or {}
            end = by_key.get((name, side))
            if end is None:
                end = {'host': decl.get('host'), 'iface': decl.get('iface'), 'state': {}, 'pcie': {}, 'errors': [],
                       'missing': True}
                if run_hosts is not None and decl.get('host') not in run_hosts:
                    end['outside_run'] = True
                    entry['warnings'].append('end %s (%s:%s) was not in this run (left out by --limit): only end %s was '
                                             'checked' % (side, decl.get('host'), decl.get('iface'), 'b' if side == 'a' else 'a'))
                else:
                    entry['reasons'].append('end %s (%s:%s) was not checked: the host failed or was not reached'
                                            % (side, decl.get('host'), decl.get('iface')))
                    status = 'down'
            else:
                if end.get('down'):
                    status = 'down'
                elif end.get('errors') and status == 'ok':
                    status = 'degraded'
                if end.get('pcie_limited'):
                    text = _ceiling_text(end)
                    entry['warnings'].append('limited by %s' % text if text else
                                             '%s:%s: the PCIe slot gives less than the link speed' % (end['host'], end['iface']))
                    if status == 'ok':
                        status = 'degraded'
                for warning in (end.get('pcie') or {}).get('warnings') or []:
                    text = '%s:%s: %s' % (end.get('host'), end.get('iface'), warning)
                    if text not in entry['warnings']:
                        entry['warnings'].append(text)
            entry['ends'][side] = end
        reasons, hints = _link_reasons(entry)
        entry['reasons'].extend(reasons)
        entry['hints'] = hints
        entry['cable'] = cable_text(entry['ends'])
        negotiated = _min([(entry['ends'][s].get('state') or {}).get('speed_mbps') for s in ('a', 'b')])
        entry['negotiated_gbps'] = negotiated / 1000.0 if negotiated else None
        entry['ceiling_gbps'] = _min([(entry['ends'][s].get('pcie') or {}).get('ceiling_gbps') for s in ('a', 'b')])
        entry['usable_gbps'] = _min([(entry['ends'][s].get('pcie') or {}).get('usable_gbps') for s in ('a', 'b')])
        entry['measured_gbps'] = max([m['gbps'] for m in entry['measured'] if m.get('gbps') is not None] or [None],
                                     key=lambda v: -1 if v is None else v)
        entry['measured_text'] = ', '.join(
            '%s %s' % (m.get('direction'), '%.2f Gb/s' % m['gbps'] if m.get('gbps') is not None else 'failed: %s' % (m.get('error') or '?'))
            for m in entry['measured']) or 'not measured'
        entry['status'] = status
        entry['bars'] = _bars(entry)
        out.append(entry)
    out.sort(key=lambda e: (-STATUS_ORDER[e['status']], e['name'] or ''))
    host_names = sorted(set([e['host'] for e in ends or [] if e.get('host')]
                            + [(link.get(s) or {}).get('host') for link in links or [] for s in ('a', 'b')
                               if (link.get(s) or {}).get('host')]
                            + list((hosts or {}).keys())))
    counts = dict((s, len([e for e in out if e['status'] == s])) for s in STATUS_ORDER)
    labels = dict((e['name'], cable_label(e)) for e in out)
    return {'links': out, 'hosts': [dict({'name': h}, **((hosts or {}).get(h) or {})) for h in host_names],
            'layout': layout(host_names, links, labels), 'counts': counts}


def cable_label(entry):
    """The two lines beside a cable in the diagram: name, speed and status; the cable's vendor and part number."""
    speed = ('%gG' % entry['negotiated_gbps']) if entry.get('negotiated_gbps') else 'no link'
    lines = ['%s: %s (%s)' % (entry['name'], speed, entry['status'])]
    names = [module_name(entry['ends'][s].get('module')) for s in ('a', 'b')
             if module_present(entry['ends'][s].get('module'))]
    if names:
        lines.append(names[0] if len(set(names)) == 1 else ' / '.join(names))
    return lines


def _where(end):
    return '%s:%s' % (end.get('host'), end.get('iface'))


def cable_text(ends):
    """The cable of a link in words, from the modules both ends read: one text when both read the same cable."""
    names = []
    for side in ('a', 'b'):
        end = (ends or {}).get(side) or {}
        module = end.get('module')
        if end.get('missing') or not module:
            continue
        if module.get('kind') == 'none':
            words = {'no_module': 'no module', 'unreadable': 'a module ethtool cannot read'}
            text = words.get(module.get('reason'), 'module unknown')
        else:
            text = module.get('summary') or module_name(module) or 'module'
        names.append((side, text))
    if not names:
        return None
    if len(set(text for _side, text in names)) == 1:
        return names[0][1]
    return '; '.join('%s: %s' % (side, text) for side, text in names)


def _card_cap_causes(ends, declared):
    """Cards whose firmware (PSID) runs Ethernet slower than ``declared``: the QCBT 10 GbE boards first."""
    causes = []
    for end in ends:
        card = end.get('card') or {}
        top = card.get('eth_max_mbps')
        if top is None or top >= declared:
            continue
        target = boards.crossflash_target(card.get('psid'))
        text = "%s's card is an %s, whose firmware runs %s Mb/s at most in Ethernet" % (end.get('host'), card.get('text'), top)
        if target and target['eth_max_mbps'] >= declared:
            text += ': crossflash it to %s (%s) with the firmware role (connectx_firmware_image)' % (
                target['part_number'], target['psid'])
        causes.append(text)
    return causes


def _speed_causes(ends, declared):
    """The likely causes of a link slower than declared, most likely first, from what is known."""
    causes = _card_cap_causes(ends, declared)
    for end in ends:
        module = end.get('module') or {}
        if module.get('kind') == 'qsa':
            causes.append('%s holds a QSFP-to-SFP adapter (QSA) with %s: an SFP+ port runs 10000 Mb/s at most'
                          % (_where(end), module_name(module) or 'an SFP module'))
        elif module.get('max_speed_mbps') and module['max_speed_mbps'] < min(declared, 40000) and module.get('kind') != 'none':
            # (56 GbE is no standard: a 56G cable's compliance codes stop at 40GBASE-CR4; the 56G rule judges those)
            causes.append('the module in %s (%s) is rated for %s Mb/s' % (_where(end), module_name(module),
                                                                          module['max_speed_mbps']))
    for end in ends:
        top = end.get('port_max_mbps')
        if top and top < declared:
            causes.append('%s supports %s Mb/s at most (its link modes)' % (_where(end), top))
    if declared == 56000:
        causes.extend(_not_56g(ends))
    return causes


def _not_56g(ends):
    """SENTENCE_56G for the first module of the link that cannot run 56 GbE (one sentence for both ends of a DAC)."""
    for end in ends:
        module = end.get('module') or {}
        if module.get('kind') not in (None, 'none', 'unknown') and not capable_56g(module):
            return [SENTENCE_56G % (module_name(module) or module.get('summary'))]
    return []


def _listing(causes):
    if len(causes) == 1:
        return 'likely cause: %s' % causes[0]
    return 'likely causes, most likely first: %s' % '; '.join('(%d) %s' % (i + 1, c) for i, c in enumerate(causes))


def _no_carrier_text(ends, declared):
    """One sentence for a link without carrier at both ends, with what the cages hold."""
    where = ' and '.join(_where(e) for e in ends)
    if declared == 56000:
        not_56g = _not_56g(ends)
        if not_56g:
            return '%s: the link did not come up at 56000 Mb/s (carrier is down at %s)' % (not_56g[0], where)
    present = [module_present(e.get('module')) for e in ends]
    if present and all(p is False for p in present):
        return 'carrier is down at both ends (%s) and neither cage holds a module: the cable is unplugged' % where
    if present and all(p is True for p in present):
        cable = cable_text(dict(zip(('a', 'b'), ends))) or 'a module'
        return ('carrier is down at both ends (%s) with a module in both cages (%s): the cable is broken, a fibre is '
                'unplugged, or a port is down' % (where, cable))
    empty = [_where(e) for e, p in zip(ends, present) if p is False]
    if empty:
        return ('carrier is down at both ends (%s): the cage of %s is empty, plug the cable in there'
                % (where, ' and '.join(empty)))
    return 'carrier is down at both ends (%s): the cable is unplugged or broken, or a port is down' % where


def _link_reasons(entry):
    """The reasons of one link, one per cause: the ends' findings, with what both ends show folded together.

    A cable on the card's other port is said once (the carrier and ping findings it explains go); no carrier at both
    ends is one sentence; a speed below the declared one is one sentence with its likely causes in order; a 56G link
    on a cable that cannot run 56 GbE names the cable. Findings of other kinds (driver, MTU...) and errors without a
    finding (the Windows checks) stay as they are. Returns (reasons, hints).
    """
    declared = entry['speed_mbps']
    ends = [entry['ends'][s] for s in ('a', 'b') if not entry['ends'][s].get('missing')]
    findings = [(end, f) for end in ends for f in end.get('findings') or []]
    codes = dict((id(end), set(f['code'] for f in end.get('findings') or [])) for end in ends)
    drop, first = set(), []
    wrong = [f['text'] for _end, f in findings if f['code'] == 'wrong_port']
    dark = [end for end in ends if codes[id(end)] & set(['no_carrier', 'wrong_port'])]
    lit = [end for end in ends if (end.get('state') or {}).get('carrier')]
    if wrong:
        first.extend(wrong)
        drop.update(['no_carrier', 'ping', 'wrong_port'])
    elif len(dark) >= 2:
        first.append(_no_carrier_text(dark, declared))
        drop.update(['no_carrier', 'ping'])
    pings = [(end, f) for end, f in findings if f['code'] == 'ping']
    if 'ping' not in drop and len(pings) >= 2 and len(lit) == len(ends):
        first.append("the ends do not answer each other's ping although both have carrier (%s): check the addresses, "
                     'the MTU and any firewall on both ports' % ', '.join(
                         '%s -> %s' % (_where(end), end.get('peer_address')) for end, _f in pings))
        drop.add('ping')
    speeds = [(end.get('state') or {}).get('speed_mbps') for end in lit]
    negotiated = _min(speeds)
    if any(f['code'] == 'speed' for _end, f in findings) and negotiated:
        drop.add('speed')
        if negotiated < declared:
            causes = _speed_causes(ends, declared)
            not_56g = _not_56g(ends) if declared == 56000 else []
            if not_56g:
                others = [c for c in causes if c not in not_56g]
                text = '%s, so the link runs at %s Mb/s instead of 56000' % (not_56g[0], negotiated)
                first.append(text + ('; also: %s' % '; '.join(others) if others else ''))
            elif causes:
                first.append('runs at %s Mb/s instead of the declared %s Mb/s; %s' % (negotiated, declared, _listing(causes)))
            else:
                first.append('runs at %s Mb/s instead of the declared %s Mb/s: nothing read here explains it (check the '
                             'far end, the cable and the card firmware)' % (negotiated, declared))
        else:
            first.append('runs at %s Mb/s, faster than the declared %s Mb/s: set speed_mbps: %s for this link in '
                         'connectx_links if that is meant' % (negotiated, declared, negotiated))
    reasons = list(first)
    explained = set(f['text'] for _end, f in findings if f['code'] in drop)
    for end in ends:
        for error in end.get('errors') or []:
            if error not in explained and error not in reasons:
                reasons.append(error)
    hints = []
    modules = [end.get('module') for end in ends if module_present(end.get('module'))]
    if declared == 40000 and negotiated == 40000 and modules and all(capable_56g(m) for m in modules) and \
            not _card_cap_causes(ends, 56000):
        hints.append('the cable (%s) can run 56 GbE: declare speed_mbps: 56000 for this link in connectx_links to use it'
                     % module_name(modules[0]))
    return reasons, hints


def _bars(entry):
    """Bars of the chart: declared, negotiated, PCIe ceiling, measured; width in % of the largest."""
    rows = [('declared', entry['speed_mbps'] / 1000.0 if entry['speed_mbps'] else None),
            ('negotiated', entry['negotiated_gbps']),
            ('PCIe ceiling', entry['ceiling_gbps']),
            ('measured', entry['measured_gbps'])]
    top = max([value for label, value in rows if value] or [1.0])
    return [{'label': label, 'gbps': value, 'pct': round(100.0 * value / top, 1) if value else 0.0} for label, value in rows]


# The diagram: an SVG of LAYOUT_WIDTH x LAYOUT_HEIGHT user units that the page scales to its width.
LAYOUT_WIDTH, LAYOUT_HEIGHT = 880, 460
HOST_FONT, HOST_FONT_MIN, DOMAIN_FONT, HOST_BOX_MIN, HOST_BOX_MAX = 14, 10, 11, 120, 260
CHAR_EM = 0.6  # average width of a sans-serif character in em (a safe estimate for host names and labels)
LABEL_FONT, LABEL_LINE, LABEL_GAP = 12, 14, 10


def _fit(text, room, size, smallest):
    """(text, font size) fitting ``room`` user units: a smaller font first, then an ellipsis."""
    if len(text) * CHAR_EM * size > room:
        size = max(smallest, int(room / (len(text) * CHAR_EM)))
    keep = int(room / (CHAR_EM * size))
    return (text if len(text) <= keep else text[:max(1, keep - 1)] + u'\u2026'), size


def _host_lines(name, box_w):
    """The lines of a host box: the host, and its domain (an FQDN's rest) smaller below it."""
    head, dot, tail = name.partition('.')
    room = box_w - 14
    lines = [dict(zip(('text', 'size'), _fit(head if dot else name, room, HOST_FONT, HOST_FONT_MIN)))]
    if dot and tail:
        lines.append(dict(zip(('text', 'size'), _fit('.' + tail, room, DOMAIN_FONT, 9))))
    return lines


def _overlap(a, b, pad=3.0):
    """Overlap area of two boxes [left, top, width, height], grown by ``pad``."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) + 2 * pad
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) + 2 * pad
    return w * h if w > 0 and h > 0 else 0.0


def _crosses(seg, box, pad=3.0):
    """Whether the line segment (x1, y1, x2, y2) passes through the box [left, top, width, height] (grown by ``pad``)."""
    x1, y1, x2, y2 = seg
    left, top, right, bottom = box[0] - pad, box[1] - pad, box[0] + box[2] + pad, box[1] + box[3] + pad
    t0, t1 = 0.0, 1.0
    dx, dy = x2 - x1, y2 - y1
    for p, q in ((-dx, x1 - left), (dx, right - x1), (-dy, y1 - top), (dy, bottom - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / float(p)
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _label_at(seg, t, normal, lines, width, height):
    """A label box beside point ``t`` (0..1) of the segment, on the side of ``normal``: {x, y, anchor, lines, box}."""
    x1, y1, x2, y2 = seg
    nx, ny = normal
    px, py = x1 + (x2 - x1) * t + nx * LABEL_GAP, y1 + (y2 - y1) * t + ny * LABEL_GAP
    text_w = max(len(line) for line in lines) * CHAR_EM * LABEL_FONT
    block_h = LABEL_LINE * len(lines)
    anchor = ('start' if nx > 0 else 'end') if abs(nx) > 0.4 else 'middle'
    top = py - block_h if ny < 0 else py  # above the point when the side is up, below it otherwise
    if abs(nx) > 0.4 and abs(ny) <= 0.4:
        top = py - block_h / 2.0
    left = {'start': px, 'end': px - text_w, 'middle': px - text_w / 2.0}[anchor]
    left = min(max(left, 4.0), width - text_w - 4.0)
    top = min(max(top, 2.0), height - block_h - 2.0)
    x = {'start': left, 'end': left + text_w, 'middle': left + text_w / 2.0}[anchor]
    return {'x': round(x, 1), 'y': round(top + LABEL_FONT - 1, 1), 'anchor': anchor, 'lines': list(lines),
            'box': [round(left, 1), round(top, 1), round(text_w, 1), block_h]}


def _place_label(seg, centre, lines, obstacles, segments, width, height):
    """The first spot beside the cable (middle first, then along it, away from the centre first) whose label covers
    no host box, no label placed before and no cable line; else the spot with the least overlap."""
    x1, y1, x2, y2 = seg
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    nx, ny = -(y2 - y1) / length, (x2 - x1) / length
    mx, my = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    side = (mx - centre[0]) * nx + (my - centre[1]) * ny
    if abs(side) < 1e-6:
        side = nx if abs(nx) > 1e-6 else -ny  # a line through the centre: right of it (or above)
    normals = [(nx, ny), (-nx, -ny)] if side > 0 else [(-nx, -ny), (nx, ny)]
    best = None
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78):
        for normal in normals:
            label = _label_at(seg, t, normal, lines, width, height)
            cost = sum(_overlap(label['box'], o) for o in obstacles)
            cost += sum(400.0 for other in segments if _crosses(other, label['box']))
            if cost == 0:
                return label
            if best is None or cost < best[0]:
                best = (cost, label)
    return best[1]


def layout(host_names, links, labels=None, width=LAYOUT_WIDTH, height=LAYOUT_HEIGHT, box_h=44):
    """Hosts on an ellipse (a row for two), cables as straight lines with their labels beside them: SVG coordinates.

    The boxes are as wide as the longest host name needs (HOST_BOX_MIN to HOST_BOX_MAX); an FQDN shows its host on
    the first line and its domain below; what is still too long gets a smaller font, then an ellipsis (the page shows
    the whole name as the box's tooltip). ``labels``: {link name: [lines]}; a label covers no box, cable or label.
    """
    n = len(host_names)
    longest = max([len(part) + 1 for h in host_names for part in h.split('.', 1)] or [0])
    box_w = int(min(HOST_BOX_MAX, max(HOST_BOX_MIN, longest * CHAR_EM * HOST_FONT + 24)))
    cx, cy = width / 2.0, height / 2.0
    rx, ry = (width - box_w) / 2.0 - 16, (height - box_h) / 2.0 - 16
    pos = {}
    for i, name in enumerate(host_names):
        if n == 1:
            x, y = cx, cy
        elif n == 2:
            x, y = cx + (i * 2 - 1) * min(rx, 260), cy
        else:
            angle = -math.pi / 2 + 2 * math.pi * i / n
            x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        pos[name] = {'x': round(x, 1), 'y': round(y, 1), 'lines': _host_lines(name, box_w)}
    pairs, drawn = {}, []
    for link in links or []:
        a, b = (link.get('a') or {}).get('host'), (link.get('b') or {}).get('host')
        if a in pos and b in pos:
            pairs.setdefault(tuple(sorted((a, b))), []).append(link)
            drawn.append(link)
    segments = []
    for link in drawn:
        a, b = link['a']['host'], link['b']['host']
        group = pairs[tuple(sorted((a, b)))]
        shift = (group.index(link) - (len(group) - 1) / 2.0) * 16  # parallel cables side by side
        x1, y1, x2, y2 = pos[a]['x'], pos[a]['y'], pos[b]['x'], pos[b]['y']
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        ox, oy = -(y2 - y1) / length * shift, (x2 - x1) / length * shift
        segments.append((x1 + ox, y1 + oy, x2 + ox, y2 + oy))
    obstacles = [[p['x'] - box_w / 2.0, p['y'] - box_h / 2.0, box_w, box_h] for p in pos.values()]
    cables = []
    for link, seg in zip(drawn, segments):
        lines = list((labels or {}).get(link.get('name')) or [link.get('name') or ''])
        label = _place_label(seg, (cx, cy), lines, obstacles, segments, width, height)
        obstacles.append(label['box'])
        x1, y1, x2, y2 = seg
        cables.append({'name': link.get('name'), 'x1': round(x1, 1), 'y1': round(y1, 1), 'x2': round(x2, 1),
                       'y2': round(y2, 1), 'mx': round((x1 + x2) / 2.0, 1), 'my': round((y1 + y2) / 2.0, 1),
                       'label': label})
    return {'width': width, 'height': height, 'box_w': box_w, 'box_h': box_h, 'hosts': pos, 'cables': cables}
