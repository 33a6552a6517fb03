# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from module_harness import load_cases, check_case, run_case

from ansible_collections.homelab.connectx.plugins.modules import ifupdown_ports as mod
from ansible_collections.homelab.connectx.plugins.module_utils import ifupdown


@pytest.mark.parametrize('case', load_cases('ifupdown_ports.yaml'))
def test_ifupdown_ports(case, tmp_path, monkeypatch, capsys):
    check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)


def test_the_refusals_say_why_in_words(tmp_path, monkeypatch, capsys):
    cases = dict((c.values[0]['id'], c.values[0]) for c in load_cases('ifupdown_ports.yaml'))
    result, _ran, _case = run_case(cases['bad_declarations_are_refused_in_one_sentence'], mod.main, tmp_path, monkeypatch, capsys,
                                   module=mod)
    assert "address '198.18.12.1' of ens1 is not an IPv4 address with its prefix length" in result['msg']
    assert 'MTU 40 of ens1 is not between 68 and 65520' in result['msg']
    assert "name '../etc' is not an interface name" in result['msg']
    assert 'ens1 named more than once' in result['msg']


def test_sources():
    assert ifupdown.sources('source /etc/network/interfaces.d/*\n', '/etc/network/interfaces.d')
    assert ifupdown.sources('  source-directory /etc/network/interfaces.d\n', '/etc/network/interfaces.d/')
    assert not ifupdown.sources('# source /etc/network/interfaces.d/*\n', '/etc/network/interfaces.d')
    assert not ifupdown.sources('source /etc/network/interfaces.dx/*\n', '/etc/network/interfaces.d')


@pytest.mark.parametrize('prefix', ['../escaped-', 'a/b-', '/etc/x-', '.hidden-', '', '..', 'x..y', 'x\n', 'x' * 65, None])
def test_a_prefix_that_is_no_file_name_of_its_own_is_refused(prefix):
    assert 'connectx_interfaces_file_prefix' in ifupdown.prefix_problem(prefix)


@pytest.mark.parametrize('prefix', ['connectx-', 'cx_', 'a', 'connectx.v2-'])
def test_a_plain_prefix_is_taken(prefix):
    assert ifupdown.prefix_problem(prefix) is None


@pytest.mark.parametrize('name', ['vmbr0\n', 'eno1\n', 'ens1\r', ' ens1', 'ens1 ', 'a\nb'])
def test_a_name_with_a_newline_or_a_space_is_no_interface_name(name):
    assert ifupdown.problems([{'name': name}]) and ifupdown.problems([{'name': 'ens1', 'bridge': name}])


def test_the_refusals_name_the_option_and_the_fix(tmp_path, monkeypatch, capsys):
    cases = dict((c.values[0]['id'], c.values[0]) for c in load_cases('ifupdown_ports.yaml'))
    result, ran, _case = run_case(cases['a_prefix_that_leaves_the_directory_is_refused'], mod.main, tmp_path, monkeypatch,
                                  capsys, module=mod)
    assert "prefix '../escaped-' (interfaces role: connectx_interfaces_file_prefix)" in result['msg']
    assert 'Nothing has been changed.' in result['msg'] and ran == []
    result, ran, _case = run_case(cases['a_protected_bridge_with_a_trailing_newline_is_refused'], mod.main, tmp_path,
                                  monkeypatch, capsys, module=mod)
    assert "bridge 'vmbr0\\n' is not an interface name" in result['msg'] and ran == []


@pytest.mark.parametrize('name', ['-a', '--all', '-w'])
def test_a_name_that_reads_as_an_option_of_ifquery_is_refused(name):
    assert ifupdown.problems([{'name': name}]) and ifupdown.problems([{'name': 'ens1', 'bridge': name}])
