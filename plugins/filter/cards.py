# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the roles' card inputs: which discovered cards to act on, and the port settings' problems."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.module_utils import parse_mlxconfig
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.plugin_utils import firmware_job


def connectx_select_cards(devices, wanted=None):
    """The discovered cards whose PCI address is in ``wanted`` (with or without the domain); all when it is empty."""
    if not isinstance(devices, list) or not all(isinstance(d, dict) for d in devices):
        raise AnsibleFilterError('connectx_select_cards expects the list of discovered cards, got %r' % (devices,))
    return firmware_job.select(devices, list(wanted or []))


def connectx_port_settings_problems(settings):
    """What is wrong with connectx_port_settings, in sentences (empty: nothing): the checks of the mlx_config module
    (parse_mlxconfig.requested_settings), so that the preflight refuses before any change what the module would."""
    if not isinstance(settings, dict):
        return ['it must map setting names to values (e.g. {LINK_TYPE_P1: ETH, LINK_TYPE_P2: ETH}), got %r' % (settings,)]
    problems = []
    for name, value in settings.items():
        if not re.match(r'^[A-Z][A-Z0-9_]*\Z', str(name)):
            problems.append('%r is not a setting name as the tools print it (upper case letters, digits and _, e.g. '
                            'LINK_TYPE_P1)' % (name,))
            continue
        try:
            parse_mlxconfig.requested_settings({name: value})
        except ParseError as exc:
            problems.append(str(exc))
    return problems


class FilterModule(object):
    """homelab.connectx card filters."""

    def filters(self):
        return {
            'connectx_select_cards': connectx_select_cards,
            'connectx_port_settings_problems': connectx_port_settings_problems,
        }
