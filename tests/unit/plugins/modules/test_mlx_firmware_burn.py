# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from conftest import load_fixture
from module_harness import load_cases, check_case

from ansible_collections.homelab.connectx.plugins.modules import mlx_firmware_burn as mod


@pytest.mark.parametrize('case', load_cases('mlx_firmware_burn.yaml'))
def test_mlx_firmware_burn(case, tmp_path, monkeypatch, capsys):
    check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)


def test_the_fs4_case_replays_the_fixture_byte_for_byte():
    case = [c.values[0] for c in load_cases('mlx_firmware_burn.yaml') if c.id == 'fs4_image_refused_before_verify'][0]
    image_query = case['run_command_calls'][2]
    assert image_query['command'][1:] == ['-i', '{tmp}/fw-ConnectX6.bin', 'q']
    assert image_query['out'] == load_fixture('flint_query/cx6-ironic-fixture-IMAGE-query-FS4-BaseGUID-NA-SecurityVer.txt')[0]
