# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""connectx_missing_packages: what the tools role installs, from mlx_device_info's packages.

The states are what mlx_device_info makes of dpkg-query 1.21 (Debian 12) output (tests/unit/plugins/modules/
mlx_device_info.yaml): a package dpkg does not know, or has only as ``config-files`` (removed, its configuration
kept), is not installed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.filter.packages import connectx_missing_packages

DEBIAN12 = {
    'ethtool': {'installed': True, 'version': '1:6.1-1', 'held': False},
    'iperf3': {'installed': True, 'version': '3.12-1+deb12u2', 'held': False},
    'mstflint': {'installed': True, 'version': '4.21.0+1-1', 'held': True},
    'nosuchpkg': {'installed': False, 'version': None, 'held': None},
}
NOT_DEBIAN = {'mstflint': {'installed': None, 'version': None, 'held': None}}


@pytest.mark.parametrize('packages, wanted, missing', [
    (DEBIAN12, ['mstflint=4.21.0+1-1', 'iperf3'], []),
    (DEBIAN12, ['mstflint=4.26.0+1-1'], ['mstflint=4.26.0+1-1']),
    (DEBIAN12, ['mstflint', 'nosuchpkg'], ['nosuchpkg']),
    ({}, ['mstflint=4.21.0+1-1', 'iperf3'], ['mstflint=4.21.0+1-1', 'iperf3']),
    (NOT_DEBIAN, ['mstflint=4.21.0+1-1'], ['mstflint=4.21.0+1-1']),
])
def test_missing_packages(packages, wanted, missing):
    assert connectx_missing_packages(packages, wanted) == missing


def test_a_string_is_refused():
    with pytest.raises(AnsibleFilterError, match='expects a list'):
        connectx_missing_packages(DEBIAN12, 'mstflint')
    with pytest.raises(AnsibleFilterError, match='a mapping'):
        connectx_missing_packages(['mstflint 4.21.0+1-1 installed'], ['mstflint'])
