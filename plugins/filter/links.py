# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the link_check role: the logic lives in plugin_utils/links.py (pure, unit-tested)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.module_utils import tools
from ansible_collections.homelab.connectx.plugins.plugin_utils import links


def _merge(first, *others):
    return links.merge_links(first, *others)


def _hostvar_links(hostvars, hosts):
    """connectx_links of every host (host_vars and group_vars), for merge_links."""
    return [hostvars[h].get('connectx_links') or [] for h in hosts]


def connectx_play_links(own, hostvars, hosts):
    return links.merge_links(own, *_hostvar_links(hostvars, hosts))


def connectx_interfaces_by_host(hostvars, hosts):
    return dict((h, hostvars[h].get('connectx_interfaces') or []) for h in hosts)


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


def connectx_tools_by_host(hostvars, hosts):
    """{host: {tool, tool_text, system}} from each host's connectx_tools_state and connectx_node (set by the tools
    role), for the report; ``system``: the node's release (os-release PRETTY_NAME), or None when unknown."""
    out = {}
    for host in hosts or []:
        state = hostvars[host].get('connectx_tools_state') if host in hostvars else None
        if state:
            node = hostvars[host].get('connectx_node') or {}
            os_info = node.get('os') if isinstance(node, dict) and isinstance(node.get('os'), dict) else {}
            out[host] = {'tool': state, 'tool_text': tool_text(state, os_info), 'system': os_info.get('pretty_name') or None}
    return out


class FilterModule(object):
    """homelab.connectx link filters."""

    def filters(self):
        return {
            'connectx_merge_links': _merge,
            'connectx_play_links': connectx_play_links,
            'connectx_interfaces_by_host': connectx_interfaces_by_host,
            'connectx_tools_by_host': connectx_tools_by_host,
            'connectx_link_problems': links.link_problems,
            'connectx_links_in_run': links.links_in_run,
            'connectx_link_ends': links.link_ends,
            'connectx_evaluate_ends': links.evaluate_ends,
            'connectx_ping_peers': links.ping_peers,
            'connectx_iperf_gbps': links.iperf_gbps,
            'connectx_iperf_measurements': links.iperf_measurements,
            'connectx_link_report': links.link_report,
        }
