# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No shell anywhere: commands are argument lists, in the plugins and in the roles.

The scan is done on the syntax tree (not by grep), so it catches a string command built with
%-formatting, str.format, + or an f-string, and it does not trip on these words in comments.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import os

import pytest
import yaml


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMAND_CALLS = {'run_command', 'run', 'call', 'check_call', 'check_output', 'Popen', 'system', 'popen'}
SHELL_KEYWORDS = {'shell', 'use_unsafe_shell'}


def python_files(*roots):
    for root in roots:
        for folder, _dirs, files in os.walk(os.path.join(REPO_ROOT, root)):
            for name in files:
                if name.endswith('.py'):
                    yield os.path.join(folder, name)


def is_string_expr(node):
    """True for an expression that evaluates to a str: literal, f-string, '%' or '+' of strings, .format()."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return is_string_expr(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ('format', 'join'):
        return is_string_expr(node.func.value)
    return False


def shell_findings(source, filename):
    findings = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg in SHELL_KEYWORDS and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                findings.append('%s:%d: %s=%s' % (filename, node.lineno, kw.arg, ast.unparse(kw.value)))
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, 'id', '')
        if name in COMMAND_CALLS and node.args and is_string_expr(node.args[0]):
            findings.append('%s:%d: %s() called with a string command' % (filename, node.lineno, name))
    return findings


@pytest.mark.parametrize('path', sorted(python_files('plugins')), ids=lambda p: os.path.relpath(p, REPO_ROOT))
def test_plugin_runs_commands_as_argument_lists(path):
    with open(path, encoding='utf-8') as handle:
        assert shell_findings(handle.read(), os.path.relpath(path, REPO_ROOT)) == []


def role_task_files():
    for folder, _dirs, files in os.walk(os.path.join(REPO_ROOT, 'roles')):
        if os.sep + 'tasks' in folder or os.sep + 'handlers' in folder:
            for name in files:
                if name.endswith(('.yml', '.yaml')):
                    yield os.path.join(folder, name)


def walk_tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from walk_tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in ('block', 'rescue', 'always'):
            yield from walk_tasks(node.get(key))


@pytest.mark.parametrize('path', sorted(role_task_files()) or [None], ids=lambda p: os.path.relpath(p, REPO_ROOT) if p else 'none')
def test_roles_use_no_shell_module(path):
    if path is None:
        pytest.skip('no roles yet')
    with open(path, encoding='utf-8') as handle:
        tasks = yaml.safe_load(handle) or []
    for task in walk_tasks(tasks):
        assert not {'shell', 'ansible.builtin.shell', 'ansible.legacy.shell', 'raw', 'ansible.builtin.raw'} & set(task), \
            '%s: task %r uses a shell; use ansible.builtin.command with argv' % (path, task.get('name'))
        command = task.get('ansible.builtin.command') or task.get('command')
        if command is not None:
            assert isinstance(command, dict) and 'argv' in command and 'cmd' not in command, \
                '%s: task %r must give ansible.builtin.command an argv list' % (path, task.get('name'))


# The scanner itself must be able to fail: each of these is a finding.
@pytest.mark.parametrize('snippet', [
    "module.run_command('mstflint -d 03:00.0 q')",
    "module.run_command(['ls'], use_unsafe_shell=True)",
    "subprocess.run(cmd, shell=True)",
    "runner.run('mstflint -d %s q' % dev)",
    "subprocess.check_output(f'flint -d {dev} q')",
    "os.system('reboot')",
    "runner.run('mstflint ' + dev)",
])
def test_scanner_catches_shell_use(snippet):
    assert shell_findings(snippet, 'snippet.py')


@pytest.mark.parametrize('snippet', [
    "module.run_command(['mstflint', '-d', dev, 'q'])",
    "runner.run(argv, mutating=True)",
    "subprocess.run(['ip', 'link'], shell=False)",
])
def test_scanner_accepts_argument_lists(snippet):
    assert shell_findings(snippet, 'snippet.py') == []
