# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner drives real processes through a real AnsibleModule: no mocks of run_command."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from module_args import patch_module_args

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner


@pytest.fixture(autouse=True)
def module_profile(monkeypatch):
    # fail_json serialises with the profile that patch_module_args sets only inside its context.
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)


def make_module(check_mode=False):
    args = {'_ansible_check_mode': check_mode}
    with patch_module_args(args):
        return AnsibleModule(argument_spec={}, supports_check_mode=True)


def fail_json_payload(capsys, call):
    """Run ``call`` that must end in fail_json; return the JSON the module printed."""
    with pytest.raises(SystemExit) as exc:
        call()
    assert exc.value.code == 1
    return json.loads(capsys.readouterr().out)


def test_argv_is_passed_verbatim_without_a_shell():
    runner = CommandRunner(make_module())
    # A shell would expand $HOME, split on ';' and glob '*'.
    result = runner.run(['printf', '%s|', 'a b', '$HOME;echo x', '*'])
    assert result.rc == 0
    assert result.stdout == 'a b|$HOME;echo x|*|'
    assert result.argv[0].startswith('/') and result.argv[0].endswith('/printf')
    assert runner.calls[-1]['argv'][1:] == ['%s|', 'a b', '$HOME;echo x', '*']


def test_c_locale_is_forced(monkeypatch):
    monkeypatch.setenv('LC_ALL', 'de_DE.UTF-8')
    monkeypatch.setenv('LANG', 'de_DE.UTF-8')
    result = CommandRunner(make_module()).run(['env'])
    env = dict(line.split('=', 1) for line in result.stdout.splitlines() if '=' in line)
    assert env['LC_ALL'] == 'C'
    assert env['LANG'] == 'C'


def test_rc_stdout_and_stderr_are_captured():
    result = CommandRunner(make_module()).run(['ls', '/nonexistent-connectx-path'])
    assert result.rc != 0
    assert not result.ok
    assert 'nonexistent-connectx-path' in result.stderr
    assert 'nonexistent-connectx-path' in result.output


def test_check_mode_skips_mutating_calls_but_runs_reads(tmp_path):
    target = tmp_path / 'written'
    runner = CommandRunner(make_module(check_mode=True))
    skipped = runner.run(['touch', str(target)], mutating=True)
    assert skipped.skipped and skipped.rc == 0
    assert not target.exists()
    read = runner.run(['ls', str(tmp_path)])
    assert not read.skipped and read.rc == 0
    assert [c['skipped'] for c in runner.calls] == [True, False]


def test_mutating_call_runs_outside_check_mode(tmp_path):
    target = tmp_path / 'written'
    result = CommandRunner(make_module()).run(['touch', str(target)], mutating=True)
    assert not result.skipped
    assert target.exists()


def test_missing_binary_names_the_package(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    runner = CommandRunner(make_module())
    # get_bin_path also looks in the sbin dirs; the tool must be absent there as well.
    if any(os.path.exists(os.path.join(d, 'mstconfig')) for d in ('/sbin', '/usr/sbin', '/usr/local/sbin')):
        runner.package_hints['connectx-no-such-tool'] = runner.package_hints['mstconfig']
        name = 'connectx-no-such-tool'
    else:
        name = 'mstconfig'
    payload = fail_json_payload(capsys, lambda: runner.run([name, '-d', '03:00.0', 'q']))
    assert payload['failed'] is True
    assert payload['reason'] == 'tool_missing'
    assert payload['binary'] == name
    assert 'apt-get install mstflint' in payload['msg']


def test_unknown_binary_gets_a_generic_hint(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    payload = fail_json_payload(capsys, lambda: CommandRunner(make_module()).run(['connectx-nothing']))
    assert payload['reason'] == 'tool_missing'
    assert '"connectx-nothing" was not found' in payload['msg']


@pytest.mark.parametrize('bad', ['mstflint -d 03:00.0 q', b'ls', [], None])
def test_string_commands_are_refused(capsys, bad):
    payload = fail_json_payload(capsys, lambda: CommandRunner(make_module()).run(bad))
    assert payload['reason'] == 'internal_error'


def test_stdin_data_reaches_the_tool():
    result = CommandRunner(make_module()).run(['cat'], data='hello')
    assert result.stdout.strip() == 'hello'


def test_extra_env_is_added_on_top_of_c_locale():
    result = CommandRunner(make_module()).run(['env'], env={'CONNECTX_TEST': '1'})
    assert 'CONNECTX_TEST=1' in result.stdout.splitlines()
    assert 'LC_ALL=C' in result.stdout.splitlines()
