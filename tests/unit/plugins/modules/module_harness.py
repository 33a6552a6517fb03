# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""YAML-driven module tests (community.general style).

A case file is a YAML list of cases::

    - id: name
      args: {module args; the string {tmp} is replaced by the test's tmp_path}
      check_mode: false
      files: {relative/path: text}          # created under tmp_path before the run
      dirs: [relative/dir]                  # created under tmp_path
      bins: {flint: null}                   # get_bin_path answers; default /usr/bin/<name>
      run_command_calls:                    # the exact argv sequence, in order
        - command: [/usr/bin/mstflint, -i, '{tmp}/fw.bin', q]
          rc: 0
          out: '...'
          err: ''
      expected: {changed: false, reason: ..., any result key: value}
      expected_paths: {interfaces.ens1.module.kind: dac}   # a value deep in the result (dotted path, exact value)
      absent: [keys that must not be in the result; a dotted path for a nested one]
      modes: {relative/path: '0755'}        # chmod (octal string) after files and dirs are created
      files_after: {relative/path: text}    # files that must exist afterwards with exactly that text, line ends
                                            # included (null = must not exist)
      modes_after: {relative/path: '0600'}  # modes that files and dirs must have afterwards
      patch: {SYSFS_NET: '{tmp}/sys'}       # module-level constants replaced for the run (needs module=)
      env: {SSH_CONNECTION: '...'}          # environment variables of the run (SSH_CONNECTION is unset otherwise)

Every run_command is checked against the next expected call; extra or missing calls fail the test.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest
import yaml

from ansible.module_utils import basic
from module_args import patch_module_args

HERE = os.path.dirname(os.path.abspath(__file__))


def load_cases(name):
    with open(os.path.join(HERE, name), encoding='utf-8') as handle:
        cases = yaml.safe_load(handle)
    return [pytest.param(case, id=case['id']) for case in cases]


def _subst(value, tmp):
    if isinstance(value, str):
        return value.replace('{tmp}', tmp)
    if isinstance(value, list):
        return [_subst(v, tmp) for v in value]
    if isinstance(value, dict):
        return dict((k, _subst(v, tmp)) for k, v in value.items())
    return value


def run_case(case, module_main, tmp_path, monkeypatch, capsys, module=None):
    """Run ``module_main`` for ``case``; return (result dict, list of argv that ran)."""
    tmp = str(tmp_path)
    case = _subst(case, tmp)
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    for rel in case.get('dirs') or []:
        os.makedirs(os.path.join(tmp, rel), exist_ok=True)
    for rel, text in (case.get('files') or {}).items():
        full = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8', newline='') as handle:
            handle.write(text)
    for rel, target in (case.get('symlinks') or {}).items():
        full = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.symlink(target, full)
    for rel, mode in (case.get('modes') or {}).items():
        os.chmod(os.path.join(tmp, rel), int(mode, 8))

    # The environment a module reads (SSH_CONNECTION): only what the case sets, whatever session runs the tests.
    monkeypatch.delenv('SSH_CONNECTION', raising=False)
    for name, value in (case.get('env') or {}).items():
        monkeypatch.setenv(name, value)
    for attr, value in (case.get('patch') or {}).items():
        assert module is not None and hasattr(module, attr), 'cannot patch %s' % attr
        monkeypatch.setattr(module, attr, value)

    bins = case.get('bins') or {}

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        path = bins.get(arg, '/usr/bin/' + arg)
        if path is None and required:
            self.fail_json(msg='Failed to find required executable "%s"' % arg)
        return path

    expected_calls = list(case.get('run_command_calls') or [])
    ran = []

    def run_command(self, args, **kwargs):
        ran.append(list(args))
        assert expected_calls, 'unexpected command %r' % (args,)
        call = expected_calls.pop(0)
        assert list(args) == call['command'], 'expected %r, got %r' % (call['command'], args)
        assert kwargs.get('use_unsafe_shell') is False
        assert kwargs.get('environ_update', {}).get('LC_ALL') == 'C'
        if 'data' in call:
            assert kwargs.get('data') == call['data']
        side = call.get('write_file')
        if side:  # the tool writes a file (ri, dc, rrom): a stand-in with the text given
            with open(side['path'], 'w', encoding='utf-8') as handle:
                handle.write(side['text'])
        return call.get('rc', 0), call.get('out', ''), call.get('err', '')

    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)

    args = dict(case.get('args') or {})
    args['_ansible_check_mode'] = bool(case.get('check_mode'))
    args['_ansible_diff'] = bool(case.get('diff', True))
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module_main()
    out = capsys.readouterr().out
    result = json.loads(out)
    assert not expected_calls, 'commands not run: %r (result %r)' % (expected_calls, result)
    return result, ran, case


def check_case(case, module_main, tmp_path, monkeypatch, capsys, module=None):
    result, ran, case = run_case(case, module_main, tmp_path, monkeypatch, capsys, module=module)
    expected = case.get('expected') or {}
    for key, value in expected.items():
        assert key in result, 'missing key %r in %r' % (key, result)
        assert result[key] == value, 'key %r: expected %r, got %r' % (key, value, result[key])
    if 'failed' not in expected:
        assert not result.get('failed'), result
    assert 'Traceback' not in json.dumps(result)
    for path, value in (case.get('expected_paths') or {}).items():
        node = result
        for part in path.split('.'):
            assert isinstance(node, dict) and part in node, 'missing %r (at %r) in %r' % (path, part, result)
            node = node[part]
        assert node == value, '%s: expected %r, got %r' % (path, value, node)
    for key in case.get('absent') or []:
        parents = key.split('.')
        last = parents.pop()
        node = result
        for part in parents:
            node = node.get(part) or {}
        assert last not in node, 'key %r should be absent: %r' % (key, result)
    for rel, text in (case.get('files_after') or {}).items():
        full = os.path.join(str(tmp_path), rel)
        if text is None:
            assert not os.path.exists(full), full
        else:
            with open(full, encoding='utf-8', newline='') as handle:
                assert handle.read() == text, full
    for rel, mode in (case.get('modes_after') or {}).items():
        full = os.path.join(str(tmp_path), rel)
        assert '%04o' % stat.S_IMODE(os.stat(full).st_mode) == mode, full
    return result
