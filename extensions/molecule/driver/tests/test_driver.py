# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""driver: mlx4_ib blacklisted, mlx4_en loaded and loaded at boot, the initramfs rebuilt."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def loaded(host):
    return [line.split()[0] for line in host.file('/proc/modules').content_string.splitlines() if line.strip()]


def test_infiniband_driver_is_blacklisted(host):
    conf = host.file('/etc/modprobe.d/connectx-blacklist.conf')
    assert conf.exists and conf.mode == 0o644
    assert 'blacklist mlx4_ib' in conf.content_string.splitlines()


def test_ethernet_driver_is_loaded_and_not_the_infiniband_one(host):
    modules = loaded(host)
    assert 'mlx4_en' in modules and 'mlx4_core' in modules
    assert 'mlx4_ib' not in modules


def test_ethernet_driver_loads_at_boot(host):
    out = host.check_output('cat /etc/modules-load.d/*.conf')
    assert 'mlx4_en' in out.split()


def test_initramfs_was_rebuilt(host):
    log = host.file('/var/log/cxlab-initramfs.log')
    assert log.exists and 'update-initramfs -u' in log.content_string
