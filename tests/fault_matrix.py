# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the tests of tests/fault_matrix.yml and print the matrix with each row's result (`make faults`).

A row passes when every one of its tests passed; the Markdown goes to stdout and to
tests/output/fault-matrix.md. Exit code: pytest's.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, 'tests', 'output')


def outcomes(junit):
    """{'tests/x.py::test_name': 'passed' | 'failed' | 'skipped'} (parametrized cases folded into one)."""
    result = {}
    rank = {'passed': 0, 'skipped': 1, 'failed': 2}
    for case in ET.parse(junit).iter('testcase'):
        path = case.get('classname', '').replace('.', '/') + '.py'
        node = '%s::%s' % (path, case.get('name', '').split('[')[0])
        state = 'failed' if case.find('failure') is not None or case.find('error') is not None else \
            'skipped' if case.find('skipped') is not None else 'passed'
        for key in (node, path):
            if rank[state] >= rank.get(result.get(key), -1):
                result[key] = state
    return result


def in_file_order(nodes):
    """The node ids sorted as pytest would run the whole files: the lab tests of one file build on each
    other's lab state (test_site.py: the unplugged-cable test converges the lab the next one verifies)."""
    lines = {}
    for path in set(node.split('::')[0] for node in nodes):
        with open(os.path.join(REPO, path)) as handle:
            tree = ast.parse(handle.read())
        lines[path] = dict((n.name, n.lineno) for n in tree.body if isinstance(n, ast.FunctionDef))
    return sorted(nodes, key=lambda node: (node.split('::')[0], lines[node.split('::')[0]].get(node.partition('::')[2], 0)))


def main():
    with open(os.path.join(REPO, 'tests', 'fault_matrix.yml')) as handle:
        rows = yaml.safe_load(handle)['rows']
    nodes = in_file_order(set(node for row in rows for node in row['tests']))
    os.makedirs(OUT, exist_ok=True)
    junit = os.path.join(OUT, 'fault-matrix.xml')
    code = subprocess.call([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--junitxml', junit] + nodes, cwd=REPO)
    seen = outcomes(junit) if os.path.exists(junit) else {}
    lines = ['| fault | expected outcome | tests | result |', '|---|---|---|---|']
    for row in rows:
        states = [seen.get(node, 'not run') for node in row['tests']]
        result = 'PASS' if all(s == 'passed' for s in states) else 'FAIL' if 'failed' in states else 'NOT RUN (%s)' % ', '.join(states)
        tests = '<br>'.join('`%s` %s' % (node.split('::')[-1] if '::' in node else node, state) for node, state in zip(row['tests'], states))
        lines.append('| %s | %s | %s | %s |' % (row['fault'], row['expected'], tests, result))
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(OUT, 'fault-matrix.md'), 'w') as handle:
        handle.write(text)
    print(text)
    return code


if __name__ == '__main__':
    sys.exit(main())
