# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""connectx_missing_packages: what the tools role installs, from dpkg-query's output.

The lines are dpkg-query 1.21 (Debian 12) output of
``dpkg-query --show --showformat='${Package} ${Version} ${db:Status-Status}\\n' mstflint iperf3 ethtool nosuchpkg``
(a package dpkg does not know prints nothing on stdout); ``config-files`` is one of the states dpkg-query(1) lists
for ``db:Status-Status`` (removed, its configuration kept).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.filter.packages import connectx_missing_packages

DEBIAN12 = ['ethtool 1:6.1-1 installed', 'iperf3 3.12-1+deb12u2 installed', 'mstflint 4.21.0+1-1 installed']


@pytest.mark.parametrize('lines, wanted, missing', [
    (DEBIAN12, ['mstflint=4.21.0+1-1', 'iperf3'], []),
    (DEBIAN12, ['mstflint=4.26.0+1-1'], ['mstflint=4.26.0+1-1']),
    (DEBIAN12, ['mstflint', 'nosuchpkg'], ['nosuchpkg']),
    ([], ['mstflint=4.21.0+1-1', 'iperf3'], ['mstflint=4.21.0+1-1', 'iperf3']),
    (['mstflint 4.21.0+1-1 config-files'], ['mstflint=4.21.0+1-1'], ['mstflint=4.21.0+1-1']),
    (['iperf3 3.12-1+deb12u2 installed', 'garbage'], ['iperf3'], []),
])
def test_missing_packages(lines, wanted, missing):
    assert connectx_missing_packages(lines, wanted) == missing


def test_a_string_is_refused():
    with pytest.raises(AnsibleFilterError, match='expects a list'):
        connectx_missing_packages(DEBIAN12, 'mstflint')
