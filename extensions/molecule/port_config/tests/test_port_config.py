# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""port_config: mstconfig reads both ports as Ethernet, and the host was rebooted to apply it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def test_both_ports_are_ethernet(host, lab):
    config = lab.mstconfig_query(host)
    assert config['LINK_TYPE_P1'] == 'ETH(2)'
    assert config['LINK_TYPE_P2'] == 'ETH(2)'


def test_nothing_else_was_set(host, lab):
    # The role sets only what connectx_port_settings names: SR-IOV stays as the card had it.
    config = lab.mstconfig_query(host)
    assert config.get('SRIOV_EN') in (None, 'False(0)')


def test_the_card_was_rebooted_into_the_new_settings(host, lab_host, lab):
    # The emulated card applies NV settings at boot; after the reboot, mlx4's view of the ports matches.
    card = lab.card_state(lab_host)
    assert card['counters']['nv_writes'] > 0
    assert host.file('/run/boot_id').exists
