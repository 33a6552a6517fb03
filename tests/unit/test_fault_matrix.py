# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tests/fault_matrix.yml stays true: every row names tests that exist, every fault test is in a row."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MATRIX = os.path.join(REPO, 'tests', 'fault_matrix.yml')


def load():
    with open(MATRIX) as handle:
        return yaml.safe_load(handle)['rows']


def functions_in(path):
    with open(os.path.join(REPO, path)) as handle:
        tree = ast.parse(handle.read())
    return set(node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith('test_'))


def test_every_row_names_existing_tests():
    rows = load()
    assert len(rows) >= 12
    for row in rows:
        assert row['fault'] and row['expected'] and row['where'] in ('unit', 'card', 'lab'), row
        assert row['tests'], row['fault']
        for node in row['tests']:
            path, _sep, name = node.partition('::')
            assert os.path.isfile(os.path.join(REPO, path)), node
            if name:
                assert name in functions_in(path), '%s: no such test function' % node


def test_every_fault_test_is_in_the_matrix():
    named = set(node for row in load() for node in row['tests'])
    for path in ('tests/lab/test_faults.py', 'tests/lab/test_faults_lab.py'):
        for name in functions_in(path):
            assert '%s::%s' % (path, name) in named, '%s::%s is missing from tests/fault_matrix.yml' % (path, name)
