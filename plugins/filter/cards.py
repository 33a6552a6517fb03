# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the roles' card inputs: which discovered cards to act on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.plugin_utils import firmware_job


def connectx_select_cards(devices, wanted=None):
    """The discovered cards whose PCI address is in ``wanted`` (with or without the domain); all when it is empty."""
    if not isinstance(devices, list) or not all(isinstance(d, dict) for d in devices):
        raise AnsibleFilterError('connectx_select_cards expects the list of discovered cards, got %r' % (devices,))
    if isinstance(wanted, str):
        # A string would be split into its letters: one address is a list of one.
        raise AnsibleFilterError('connectx_select_cards expects a list of PCI addresses, got the string %r' % (wanted,))
    try:
        return firmware_job.select(devices, list(wanted or []))
    except firmware_job.JobError as exc:
        raise AnsibleFilterError('connectx_select_cards: %s' % exc)


class FilterModule(object):
    """homelab.connectx card filters."""

    def filters(self):
        return {
            'connectx_select_cards': connectx_select_cards,
        }
