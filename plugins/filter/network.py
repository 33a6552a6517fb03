# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of the interfaces role: the names that carry the node's management connection."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def connectx_protected_interfaces(network, management_interface=''):
    """The default routes' interfaces and ``management_interface``, with every device under each, sorted."""
    if not isinstance(network, dict):
        raise AnsibleFilterError('connectx_protected_interfaces expects the network of mlx_device_info (a mapping), got %r'
                                 % (network,))
    tops = list(network.get('default_route') or [])
    if management_interface:
        tops.append(management_interface)
    lower = network.get('lower') or {}
    out = set(tops)
    for name in tops:
        out.update(lower.get(name) or [])
    return sorted(out)


class FilterModule(object):
    """homelab.connectx network filters."""

    def filters(self):
        return {
            'connectx_protected_interfaces': connectx_protected_interfaces,
        }
