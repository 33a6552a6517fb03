# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's hosts for the testinfra tests of every scenario (molecule's verify step).

Hosts come from the inventory labctl wrote for the scenario's topology (.cache/lab/inventory.yml):
``host`` is a testinfra host on the container (podman backend, `podman exec`), so each test runs
the real tools there: mstflint, mstconfig, ethtool, ifquery, ping. ``lab_host`` parametrizes a test
over every host of the scenario.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
import testinfra
import yaml

REPO = os.environ.get('CXLAB_REPO') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE = os.path.join(REPO, '.cache', 'lab')
BDF = '0000:03:00.0'


def _inventory():
    with open(os.path.join(STATE, 'inventory.yml')) as handle:
        inv = yaml.safe_load(handle)['all']
    hosts = {}

    def walk(group):
        for name, hostvars in (group.get('hosts') or {}).items():
            hosts[name] = hostvars
        for child in (group.get('children') or {}).values():
            walk(child)
    walk(inv)
    return inv.get('vars') or {}, hosts


LAB_VARS, LAB_HOSTS = _inventory()


def pytest_generate_tests(metafunc):
    if 'lab_host' in metafunc.fixturenames:
        metafunc.parametrize('lab_host', sorted(LAB_HOSTS))


@pytest.fixture
def host(lab_host):
    """testinfra host of the lab host's container (the verifier looks in from outside, as an admin at the
    console would; the roles under test reach the host over SSH)."""
    return testinfra.get_host('podman://cxlab-%s' % lab_host)


@pytest.fixture(scope='session')
def lab_vars():
    """The inventory's group vars (links, firmware image, backup dir...)."""
    return LAB_VARS


@pytest.fixture(scope='session')
def lab_hostvars():
    return LAB_HOSTS


def flint_query(host, bdf=BDF):
    """`mstflint -d BDF q` on the host, as {label: value} (labels as mstflint prints them)."""
    out = host.check_output('mstflint -d %s q' % bdf)
    return dict((k.strip(), v.strip()) for k, v in (line.split(':', 1) for line in out.splitlines() if ':' in line))


def mstconfig_query(host, bdf=BDF):
    """`mstconfig -d BDF q` as {NAME: value as printed, e.g. 'ETH(2)'}."""
    out = host.check_output('mstconfig -d %s q' % bdf)
    return dict(m.groups() for m in re.finditer(r'^\s+([A-Z][A-Z0-9_]+)\s+(\S+)\s*$', out, re.M))


def card_state(lab_host, bdf=BDF):
    """The emulated card as the lab sees it from outside (flash, running firmware, counters)."""
    res = subprocess.run([sys.executable, os.path.join(REPO, 'tests', 'lab', 'emulator', 'cardctl.py'),
                          '--root', os.path.join(STATE, 'hosts', lab_host, 'fakemlx'), 'show'],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)[bdf]


def assert_runs(host, lab_host, psid_fw, bdf=BDF):
    """The card's flash holds PSID/version ``psid_fw``, verifies, and the card runs that version (rebooted)."""
    query = flint_query(host, bdf)
    assert (query['PSID'], query['FW Version']) == tuple(psid_fw)
    host.run_expect([0], 'mstflint -d %s v' % bdf)
    card = card_state(lab_host, bdf)
    assert card['running_fw'] == psid_fw[1]
    return card


def run(argv):
    """A command on the controller (argv, no shell); its stdout, failing the test on a non-zero exit."""
    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert res.returncode == 0, '%s: rc %d: %s' % (' '.join(argv), res.returncode, res.stderr or res.stdout)
    return res.stdout


def sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture(scope='session')
def lab():
    """Helpers shared by the scenarios' tests (a fixture, so no test imports conftest)."""
    class Lab(object):
        repo = REPO
        state = STATE
        bdf = BDF
        ephemeral = os.environ.get('MOLECULE_EPHEMERAL_DIRECTORY', '')

    Lab.flint_query = staticmethod(flint_query)
    Lab.mstconfig_query = staticmethod(mstconfig_query)
    Lab.card_state = staticmethod(card_state)
    Lab.sha256 = staticmethod(sha256)
    Lab.run = staticmethod(run)
    Lab.assert_runs = staticmethod(assert_runs)
    return Lab
