# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/paths.py: relative controller paths are taken from the inventory's directory."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.filter.paths import FilterModule
from ansible_collections.homelab.connectx.plugins.plugin_utils import paths


@pytest.mark.parametrize('path, expected', [
    ('firmware/fw.bin', '/srv/homelab/firmware/fw.bin'),
    ('./fw.bin', '/srv/homelab/fw.bin'),
    ('../firmware/fw.bin', '/srv/firmware/fw.bin'),
    ('/srv/fw.bin', '/srv/fw.bin'),
    ('/srv//images/../fw.bin', '/srv/fw.bin'),
    ('  backups ', '/srv/homelab/backups'),
    ('', ''),
    (None, ''),
])
def test_relative_paths_are_taken_from_the_inventory_directory(path, expected):
    assert paths.controller_path(path, '/srv/homelab') == expected


def test_home_is_expanded(monkeypatch):
    monkeypatch.setenv('HOME', '/var/lib/operator')
    assert paths.controller_path('~/fw.bin', '/elsewhere') == '/var/lib/operator/fw.bin'


@pytest.mark.parametrize('path, base, words', [
    ('fw.bin', '', 'connectx_firmware_image is relative (fw.bin) and there is no inventory directory'),
    ('fw.bin', 'inventory', 'connectx_firmware_image is relative (fw.bin)'),
    (['fw.bin'], '/srv', "connectx_firmware_image must be a path (a string), got list: ['fw.bin']"),
])
def test_what_cannot_be_resolved_is_refused_by_name(path, base, words):
    with pytest.raises(paths.PathError) as exc:
        paths.controller_path(path, base, 'connectx_firmware_image')
    assert words in str(exc.value)


def test_the_filter_raises_an_ansible_error_naming_the_variable():
    flt = FilterModule().filters()['connectx_controller_path']
    assert flt('x.bin', '/inv') == os.path.join('/inv', 'x.bin')
    with pytest.raises(AnsibleFilterError, match='connectx_report_dir is relative'):
        flt('reports', None, 'connectx_report_dir')
