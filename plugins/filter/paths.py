# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller_path filter: the logic lives in plugin_utils/paths.py (pure, unit-tested)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.plugin_utils import paths


def connectx_controller_path(path, base, name='the path'):
    try:
        return paths.controller_path(path, base, name)
    except paths.PathError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """homelab.connectx path filters."""

    def filters(self):
        return {
            'connectx_controller_path': connectx_controller_path,
        }
