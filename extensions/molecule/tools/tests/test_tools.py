# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tools: the pinned mstflint is installed and the role's discovery matches the real tools."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os


def test_mstflint_is_the_version_that_supports_connectx3(host):
    pkg = host.package('mstflint')
    assert pkg.is_installed
    assert pkg.version.startswith('4.21.'), 'mstflint %s: 4.26+ cannot configure ConnectX-3' % pkg.version


def test_discovery_matches_mstflint_lspci_and_sysfs(host, lab_host, lab):
    with open(os.path.join(lab.ephemeral, 'devices-%s.json' % lab_host)) as handle:
        devices = json.load(handle)
    assert [d['pci_address'] for d in devices] == [lab.bdf]
    dev = devices[0]
    query = lab.flint_query(host)
    assert dev['psid'] == query['PSID']
    assert dev['fw_version'] == query['FW Version']
    assert dev['pci_device_id'] == '1003'
    assert '15b3:1003' in host.check_output('lspci -n -s %s' % lab.bdf)
    sysfs = '/sys/bus/pci/devices/%s' % lab.bdf
    assert dev['pcie']['width'] == int(host.file(sysfs + '/current_link_width').content_string.strip())
    assert dev['netdevs'] == sorted(host.check_output('ls %s/net' % sysfs).split())
    # The VPD as mstvpd reads it.
    assert dev['part_number'] and dev['part_number'] in host.check_output('mstvpd %s' % lab.bdf)
