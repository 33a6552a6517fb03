# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from module_harness import load_cases, check_case

from ansible_collections.homelab.connectx.plugins.modules import mlx4_driver as mod
from ansible_collections.homelab.connectx.plugins.module_utils import driver


@pytest.mark.parametrize('case', load_cases('mlx4_driver.yaml'))
def test_mlx4_driver(case, tmp_path, monkeypatch, capsys):
    check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)


def test_core_params_adds_the_fallback_unless_set():
    assert driver.core_params({}, '') == []
    assert driver.core_params({'probe_vf': 0, 'num_vfs': 4}, '2,2') == ['num_vfs=4', 'port_type_array=2,2', 'probe_vf=0']
    assert driver.core_params({'port_type_array': '1,2'}, '2,2') == ['port_type_array=1,2']
    assert driver.core_params({'enable_64b_cqe_eqe': True}) == ['enable_64b_cqe_eqe=1']
    for bad in ({'Bad-Name': 1}, {'num_vfs': '4 5'}, {'num_vfs': None}):
        with pytest.raises(ValueError):
            driver.core_params(bad)


def test_blacklist_content_keeps_other_lines_and_adds_once():
    text = '# mine\nblacklist nouveau\nblacklist mlx4_ib  # already\n'
    assert driver.blacklist_content(text, ['mlx4_ib']) == text
    assert driver.blacklist_content('blacklist nouveau', ['mlx4_ib', 'rdma_ucm']) == \
        'blacklist nouveau\nblacklist mlx4_ib\nblacklist rdma_ucm\n'
    assert driver.blacklist_content(None, []) == ''


def test_modules_load_and_options_lines():
    assert driver.loads_at_boot(['# mlx4_en\n', 'mlx4_en # for ConnectX-3\n'], 'mlx4_en')
    assert not driver.loads_at_boot(['#mlx4_en\n', ';mlx4_en\n', 'mlx4_en_extra\n'], 'mlx4_en')
    text = 'options mlx4_core num_vfs=8 probe_vf=0\noptions mlx4_en pfctx=3\n'
    assert driver.options_of(text, 'mlx4_core') == ['num_vfs=8', 'probe_vf=0']
    assert driver.comment_options(text, 'mlx4_core') == '#options mlx4_core num_vfs=8 probe_vf=0\noptions mlx4_en pfctx=3\n'
    assert driver.loaded_modules('mlx4_en 1 0 - Live 0x0\n\n') == ['mlx4_en']
