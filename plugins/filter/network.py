# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of the interfaces role: the names that carry the node's management connection."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def connectx_protected_interfaces(network, management_interface=''):
    """The interfaces that carry the node's management: those of the default routes, those that hold the Ansible
    connection's address, ``management_interface``; and the whole stack each is part of: every device under it (bridge
    ports, bond slaves, a VLAN's parent, down to the physical ports), over it (its bridge, bond, VLANs), and under and
    over those in turn; sorted."""
    if not isinstance(network, dict):
        raise AnsibleFilterError('connectx_protected_interfaces expects the network of mlx_device_info (a mapping), got %r'
                                 % (network,))
    tops = list(network.get('default_route') or []) + list(network.get('connection') or [])
    if management_interface:
        tops.append(management_interface)
    lower = network.get('lower') or {}
    upper = network.get('upper') or {}
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
