# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the link_check and windows_host roles' action plugins decide, over plain data (no Ansible import).

* run_hosts, plan: the links of a run and the ends of one host (link_plan);
* summary_line: the one line per end that the roles print (link_evaluate);
* iperf_runs: the iperf3 client runs of one host (link_iperf);
* tool_text, tools_by_host, report_model: the link report of every host's results (link_report).

The hosts' variables come in as ``hostvars`` (a mapping of host -> mapping with ``get``): Ansible's own, or a dict.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.module_utils import tools
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_model import (
    link_ends, link_problems, links_in_run, merge_links)
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_text import link_report

# The host facts the roles leave (documented in link_check's meta/argument_specs.yml and README).
PLAN_FACT = 'connectx_link_plan'
RESULTS_FACT = 'connectx_link_results'
MEASUREMENTS_FACT = 'connectx_link_measurements'


def _union(*lists):
    """Ansible's ``union``: the items of all lists, each once, in order."""
    out = []
    for items in lists:
        for item in items or []:
            if item not in out:
                out.append(item)
    return out


def _var(hostvars, host, name, default=None):
    try:
        value = hostvars[host].get(name)
    except KeyError:
        return default
    return default if value is None else value


def run_hosts(play_hosts, far_hosts, limit_hosts=None):
    """The hosts of this run: the play's, plus the far ends checked in their own play (``far_hosts``: the Windows hosts
    for the Linux play, the Linux hosts for windows_host) that ``--limit`` (``limit_hosts``, None without it) kept."""
    far = list(far_hosts or [])
    if limit_hosts is not None:
        far = [h for h in _union(far) if h in limit_hosts]
    return _union(play_hosts, far)


def plan(own_links, hostvars, hosts, known, host):
    """``(problems, {links, ends, hosts})``: the links declared by ``own_links`` and every host of ``hosts``, merged by
    name; the sentences about those that cannot be checked (``known``: the hosts that may be link ends); the links with
    an end in the run and the ends of ``host`` among them (link_model)."""
    declared = merge_links(own_links, *[_var(hostvars, h, 'connectx_links', []) for h in hosts])
    interfaces = dict((h, _var(hostvars, h, 'connectx_interfaces', [])) for h in hosts)
    problems = link_problems(declared, hosts, known, interfaces)
    links = links_in_run(declared, hosts)
    return problems, {'links': links, 'ends': link_ends(links, host, interfaces, hosts), 'hosts': list(hosts)}


def _or(value, default):
    """Jinja's ``default(x, true)``: the value, or ``default`` when it is missing or empty."""
    return value if value else default


def _shown(mapping, key):
    """Jinja's ``default('?')``: the value as printed (None -> 'None'), '?' when the key is missing."""
    return mapping[key] if key in mapping else '?'


def summary_line(end, windows=False):
    """The line printed for one evaluated end: what it runs at, its card (Linux) or driver version (Windows), its PCIe
    ceiling, OK or FAILED with the errors."""
    state = end.get('state') or {}
    pcie = end.get('pcie') or {}
    text = '%s end %s %s:%s -> %s:%s: %s Mb/s %s, carrier %s, %s' % (
        end.get('link'), end.get('end'), end.get('host'), end.get('iface'), end.get('peer_host'), end.get('peer_iface'),
        _or(state.get('speed_mbps'), '?'), _or(state.get('duplex'), '?'), _shown(state, 'carrier'),
        _or(state.get('driver'), '?'))
    if windows:
        text += ' %s, MTU %s; PCIe ceiling %s Gb/s (Get-NetAdapterHardwareInfo)' % (
            _or(state.get('driver_version'), ''), _shown(state, 'mtu'), _or(pcie.get('ceiling_gbps'), '?'))
    else:
        module = end.get('module') or {}
        card = end.get('card') or {}
        text += ', MTU %s; cable %s; card %s, PCIe ceiling %s Gb/s' % (
            _shown(state, 'mtu'), _or(module.get('summary'), _or(module.get('reason'), '?')),
            _or(_or(card.get('text'), end.get('pci_address')), '?'), _or(pcie.get('ceiling_gbps'), '?'))
    if end.get('pcie_limited'):
        text += ' (below the link speed: the slot limits this link)'
    errors = end.get('errors') or []
    return text + '. ' + ('OK' if not errors else 'FAILED: ' + '; '.join(errors))


def iperf_runs(ends, port, streams, seconds):
    """``[(end, direction, argv)]``: the iperf3 client runs of a host, both directions of each link it is end a of
    whose peer is in the run and has an address (end b runs the server)."""
    runs = []
    for end in ends or []:
        if end.get('end') != 'a' or not end.get('peer_in_run') or not end.get('peer_address'):
            continue
        for direction, extra in (('a->b', []), ('b->a', ['--reverse'])):
            runs.append((end, direction, ['iperf3', '--client', end['peer_address'], '--port', str(port), '--parallel',
                                          str(streams), '--time', str(seconds), '--json'] + extra))
    return runs


def tool_text(state, os_info=None):
    """The tool of a host in words, for the report: flavour, version, package version, where the package comes from when
    it is not the node's own release (Debian 12's mstflint on Debian 13: tools.mstflint_route), and whether it is held.
    ``os_info``: the node's os-release as mlx_device_info returns it."""
    if not state:
        return '-'
    name = state.get('name') or '?'
    if state.get('installed') is False:
        return '%s not installed' % name
    text = '%s %s' % (name, state.get('version') or '(version unknown)')
    if state.get('package_version'):
        held = state.get('held')
        unheld = ', not held: apt upgrade may replace it' if name == 'mstflint' else ', not held'
        route = tools.mstflint_route(os_info, '%s=%s' % (state.get('package') or name, state['package_version']))
        text += ' (package %s %s%s%s)' % (state.get('package') or name, state['package_version'],
                                          ' from Debian 12 %s, pinned' % tools.BOOKWORM_ROUTE['suite'] if route == 'bookworm' else '',
                                          ', held' if held else unheld if held is False else '')
    if state.get('supports_connectx3') is False:
        text += ' - does not support ConnectX-3'
    return text


def tools_by_host(hostvars, hosts):
    """{host: {tool, tool_text, system}} from each host's connectx_tools_state and connectx_node (set by the tools
    role), for the report; ``system``: the node's release (os-release PRETTY_NAME), or None when unknown."""
    out = {}
    for host in hosts or []:
        state = _var(hostvars, host, 'connectx_tools_state')
        if state:
            node = _var(hostvars, host, 'connectx_node', {})
            os_info = node.get('os') if isinstance(node, dict) and isinstance(node.get('os'), dict) else {}
            out[host] = {'tool': state, 'tool_text': tool_text(state, os_info), 'system': os_info.get('pretty_name') or None}
    return out


def _gathered(hostvars, hosts, name):
    out = []
    for host in hosts:
        value = _var(hostvars, host, name)
        if isinstance(value, list):
            out.extend(value)
    return out


def report_model(links, hostvars, hosts, run_hosts_):
    """link_text.link_report over the results and measurements every host of ``hosts`` left (a host that failed
    earlier has none: its links show as down with that reason) and the tools of each."""
    return link_report(links, _gathered(hostvars, hosts, RESULTS_FACT), _gathered(hostvars, hosts, MEASUREMENTS_FACT),
                       hosts=tools_by_host(hostvars, hosts), run_hosts=run_hosts_)
