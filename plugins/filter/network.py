# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of the interfaces role: the names that carry the node's management connection."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.connectx.plugins.plugin_utils.shown import typed as _shown


def _names(value, argument):
    """A list of interface names (strings); [] for None. AnsibleFilterError naming ``argument`` otherwise."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise AnsibleFilterError('connectx_protected_interfaces: %s must be a list of interface names (strings), got %s'
                                 % (argument, _shown(value)))
    return list(value)


def _stack(value, argument):
    """A mapping of interface name -> list of interface names; {} for None."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise AnsibleFilterError('connectx_protected_interfaces: %s must be a mapping of interface names to lists of '
                                 'interface names, got %s' % (argument, _shown(value)))
    return dict((k, _names(v, '%s[%r]' % (argument, k))) for k, v in value.items())


def connectx_protected_interfaces(network, management_interface=''):
    """The interfaces that carry the node's management: those of the default routes, those that hold the Ansible
    connection's address, ``management_interface``; and the whole stack each is part of: every device under it (bridge
    ports, bond slaves, a VLAN's parent, down to the physical ports), over it (its bridge, bond, VLANs), and under and
    over those in turn; sorted.

    ``network`` is mlx_device_info's network: default_route and connection lists of names, lower and upper mappings
    of a name to a list of names (each may be missing or null). Anything else is an AnsibleFilterError that names it.
    """
    if not isinstance(network, dict):
        raise AnsibleFilterError('connectx_protected_interfaces expects the network of mlx_device_info (a mapping), got %s'
                                 % _shown(network))
    if management_interface is not None and not isinstance(management_interface, str):
        raise AnsibleFilterError('connectx_protected_interfaces: the management interface must be an interface name (a '
                                 'string), got %s' % _shown(management_interface))
    tops = _names(network.get('default_route'), 'network.default_route') + _names(network.get('connection'), 'network.connection')
    if management_interface:
        tops.append(management_interface)
    lower = _stack(network.get('lower'), 'network.lower')
    upper = _stack(network.get('upper'), 'network.upper')
    # The whole stack each one is part of: what is under it, over it, and under and over those, until nothing new.
    out, todo = set(), list(tops)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        todo.extend(lower.get(name) or [])
        todo.extend(upper.get(name) or [])
    return sorted(out)


class FilterModule(object):
    """homelab.connectx network filters."""

    def filters(self):
        return {
            'connectx_protected_interfaces': connectx_protected_interfaces,
        }
