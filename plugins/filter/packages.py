# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of the tools role: which of the wanted Debian packages a host still needs, from dpkg-query."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def installed_versions(lines):
    """{package: version} of the installed packages in ``dpkg-query --show
    --showformat='${Package} ${Version} ${db:Status-Status}\\n'`` lines (other states - config-files,
    half-installed, not-installed - are not installed)."""
    out = {}
    for line in lines or []:
        fields = str(line).split()
        if len(fields) == 3 and fields[2] == 'installed':
            out[fields[0]] = fields[1]
    return out


def connectx_missing_packages(lines, wanted):
    """The entries of ``wanted`` (``name`` or ``name=version``) that are not installed, or installed at another version
    than the one pinned, in the order given."""
    if not isinstance(wanted, list):
        raise AnsibleFilterError('connectx_missing_packages expects a list of packages (name or name=version), got %r'
                                 % (wanted,))
    installed = installed_versions(lines)
    missing = []
    for spec in wanted:
        name, _sep, version = str(spec).partition('=')
        if name not in installed or (version and installed[name] != version):
            missing.append(spec)
    return missing


class FilterModule(object):
    """homelab.connectx package filters."""

    def filters(self):
        return {
            'connectx_missing_packages': connectx_missing_packages,
        }
