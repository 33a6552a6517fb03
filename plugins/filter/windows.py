# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Windows filters a playbook of its own may use on Get-NetAdapter output: the logic lives in
plugin_utils/parse_windows.py (pure, unit-tested). The windows_host role itself calls the winof and link_evaluate actions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.plugin_utils import parse_windows


class FilterModule(object):
    """homelab.connectx Windows filters."""

    def filters(self):
        return {
            'connectx_windows_adapter_info': parse_windows.adapter_info,
            'connectx_windows_link_speed_mbps': parse_windows.link_speed_mbps,
        }
