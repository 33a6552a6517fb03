# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of the tools role: which of the wanted Debian packages a host still needs, from mlx_device_info's packages."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def connectx_missing_packages(packages, wanted):
    """The entries of ``wanted`` (``name`` or ``name=version``) that are not installed, or installed at another version
    than the one pinned, in the order given. ``packages``: mlx_device_info's ``packages`` ({name: {installed, version}})."""
    if not isinstance(wanted, list):
        raise AnsibleFilterError('connectx_missing_packages expects a list of packages (name or name=version), got %r'
                                 % (wanted,))
    if not isinstance(packages, dict):
        raise AnsibleFilterError('connectx_missing_packages expects the packages of mlx_device_info (a mapping), got %r'
                                 % (packages,))
    missing = []
    for spec in wanted:
        name, _sep, version = str(spec).partition('=')
        state = packages.get(name) or {}
        if not state.get('installed') or (version and state.get('version') != version):
            missing.append(spec)
    return missing


class FilterModule(object):
    """homelab.connectx package filters."""

    def filters(self):
        return {
            'connectx_missing_packages': connectx_missing_packages,
        }
