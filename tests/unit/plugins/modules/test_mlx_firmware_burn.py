# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

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


def _case(case_id):
    return copy.deepcopy([c.values[0] for c in load_cases('mlx_firmware_burn.yaml') if c.id == case_id][0])


@pytest.mark.parametrize('named', [['0000:04:00.0'], ['04:00.0', '0000:05:00.0']])
def test_allow_unverified_fit_naming_another_card_overrides_nothing(named, tmp_path, monkeypatch, capsys):
    """Two cards of unknown fit (03:00.0 burned here, 04:00.0 beside it): naming 04:00.0 is no licence for 03:00.0."""
    case = _case('oem_card_unknown_ports_fit_unknown')
    case['args']['allow_unverified_fit'] = named
    for name, text in list(case['files'].items()):
        if name.startswith('sys/0000:03:00.0/') and '/net/' not in name:
            case['files'][name.replace('0000:03:00.0', '0000:04:00.0')] = text
    case['expected'].pop('msg')
    result = check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)
    assert result['failed'] and result['reason'] == 'fit_unknown'
    assert result['fit']['unverified_override'] is False
    assert "connectx_firmware_unverified_fit: ['0000:03:00.0']" in result['msg']
    assert 'allow_unverified_fit names %s, not this card.' % ', '.join(
        sorted(set(mod.normalize_bdf(a) for a in named))) in result['msg']
    assert 'Nothing has been changed.' in result['msg']


def test_allow_unverified_fit_naming_this_card_burns_with_the_warning(tmp_path, monkeypatch, capsys):
    warned = []
    monkeypatch.setattr(mod.AnsibleModule, 'warn', lambda self, text: warned.append(text))
    result = check_case(_case('oem_card_unknown_ports_burned_with_opt_in'), mod.main, tmp_path, monkeypatch, capsys,
                        module=mod)
    assert result['burned'] and result['fit']['unverified_override'] is True
    assert [w for w in warned if 'allow_unverified_fit names this card (0000:03:00.0)' in w]


def test_the_patterns_do_not_match_before_a_final_newline():
    """A pin or an address is stripped where it is used; the patterns themselves still take no trailing newline."""
    assert mod.BDF_RE.match('0000:03:00.0') and not mod.BDF_RE.match('0000:03:00.0\n')
    assert mod.SHA256_RE.match('a' * 64) and not mod.SHA256_RE.match('a' * 64 + '\n')
