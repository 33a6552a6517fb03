# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cable modules (QSFP+ DAC / AOC / SR4, QSA with an SFP+) under the real, unmodified ethtool 6.1 (`ethtool -m`).

Each test gets a scratch network namespace `cxtest-cm<pid>` with TAPs ens1/ens1d1, its own FAKEMLX_ROOT with one
MCX354A-QCBT card owning them (mlx4_en loaded), plugs modules with cardctl.py and runs ethtool with
LD_PRELOAD=libfakemlx.so inside the namespace. ethtool 6.1 reads modules over netlink (ETHTOOL_MSG_MODULE_EEPROM_GET)
and only `hex on` / `raw on` dumps through the ioctl; the emulator answers both the way kernel 6.1's mlx4_en does.
Root is needed (network namespaces, TAPs); deleting the namespace removes the TAPs with it.

    python3 tests/lab/test_cable_modules.py --capture   # rewrites tests/unit/fixtures/ethtool/lab-ethtool-m-*.txt
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, 'emulator')
CARDCTL = os.path.join(EMU, 'cardctl.py')
FIXTURES = os.path.join(os.path.dirname(HERE), 'unit', 'fixtures', 'ethtool')
BDF = '0000:03:00.0'
NETDEVS = ('ens1', 'ens1d1')

# What each fixture plugs into port 1 (ens1); None = empty cage. The four module types, the topology's
# generic DAC, an SR4 without paging (what ethtool 6.1 decodes of an optical module on kernel 6.1 mlx4_en).
CAPTURES = {
    'dac': {'vendor': 'Mellanox', 'part_number': 'MC2207130-001', 'type': 'dac'},
    'dac-generic': {'vendor': 'Generic', 'part_number': 'QSFP-40G-DAC1M', 'type': 'dac'},
    'aoc': {'type': 'aoc'},
    'sr4': {'type': 'sr4'},
    'sr4-flat': {'type': 'sr4', 'memory': 'flat'},
    'qsa': {'type': 'qsa'},
    'empty': None,
}


def _load(name, path):
    spec = importlib.util.spec_from_loader(name, importlib.machinery.SourceFileLoader(name, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cardctl = _load('cardctl_modules', CARDCTL)


def run(argv, env=None):
    full_env = dict(os.environ, LC_ALL='C')
    full_env.update(env or {})
    return subprocess.run(argv, env=full_env, capture_output=True, text=True, timeout=120, check=False)


def fields(text):
    """ethtool -m output as {label: [values]} (a label such as 'Transceiver type' may repeat)."""
    out = {}
    for line in text.splitlines():
        if ':' in line:
            label, value = line.split(':', 1)
            out.setdefault(label.strip(), []).append(value.strip())
    return out


class Lab:
    """A scratch netns with the card's TAPs, a FAKEMLX_ROOT with the card, and the real ethtool in between."""

    def __init__(self, shim, root, netns):
        self.shim, self.root, self.netns = shim, root, netns

    def cardctl(self, *argv):
        res = run([sys.executable, CARDCTL, '--root', self.root] + list(argv))
        assert res.returncode == 0, res.stdout + res.stderr
        return json.loads(res.stdout) if res.stdout.strip() else None

    def plug(self, port, spec):
        if spec is None:
            return self.cardctl('module', '--bdf', BDF, '--port', port, '--none')
        return self.cardctl('module', '--bdf', BDF, '--port', port, '--spec', json.dumps(spec))

    def ethtool(self, *argv):
        return run(['ip', 'netns', 'exec', self.netns, 'env', 'LD_PRELOAD=%s' % self.shim, 'FAKEMLX_ROOT=%s' % self.root,
                    'ethtool'] + list(argv))


def build_shim():
    res = run(['make', '-s', '-C', EMU])
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'warning' not in res.stderr, res.stderr
    return os.path.join(EMU, 'libfakemlx.so')


def make_netns(name):
    for argv in (['ip', 'netns', 'add', name],
                 ['ip', '-n', name, 'tuntap', 'add', 'dev', NETDEVS[0], 'mode', 'tap'],
                 ['ip', '-n', name, 'tuntap', 'add', 'dev', NETDEVS[1], 'mode', 'tap']):
        res = run(argv)
        if res.returncode != 0:
            run(['ip', 'netns', 'del', name])
            raise RuntimeError('%s: %s' % (' '.join(argv), res.stderr.strip()))


def make_card(root):
    res = run([sys.executable, CARDCTL, '--root', root, 'create', '--bdf', BDF, '--preset', 'MCX354A-QCBT',
               '--pcie-speed', '8', '--pcie-width', '4', '--netdevs', ','.join(NETDEVS), '--serial', 'MT1604K06557'])
    assert res.returncode == 0, res.stdout + res.stderr
    res = run([sys.executable, CARDCTL, '--root', root, 'boot', '--etc', root])  # loads mlx4_en: the TAPs are its ports
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope='module')
def shim():
    if os.geteuid() != 0:
        pytest.skip('needs root: network namespace and TAP devices')
    missing = [p for p in ('ethtool', 'ip', 'gcc', 'make') if shutil.which(p) is None]
    if missing:
        pytest.skip('not installed: %s' % ', '.join(missing))
    return build_shim()


@pytest.fixture
def lab(shim, tmp_path):
    name = 'cxtest-cm%d' % (os.getpid() % 100000)
    run(['ip', 'netns', 'del', name])  # a leftover of a killed run
    make_netns(name)
    try:
        root = str(tmp_path / 'fakemlx')
        make_card(root)
        yield Lab(shim, root, name)
    finally:
        run(['ip', 'netns', 'del', name])
        assert name not in run(['ip', 'netns', 'list']).stdout.split()


# ------------------------------------------------------------------ decoded modules

def test_mellanox_56g_dac(lab):
    desc = lab.plug('ens1', {'vendor': 'Mellanox', 'part_number': 'MC2207130-001', 'type': 'dac'})
    assert desc['length_m'] == 1 and desc['memory'] == 'flat'
    res = lab.ethtool('-m', 'ens1')
    assert (res.returncode, res.stderr) == (0, ''), res.stderr
    got = fields(res.stdout)
    assert got['Identifier'] == ['0x0d (QSFP+)']
    assert got['Vendor name'] == ['Mellanox'] and got['Vendor OUI'] == ['00:02:c9']
    assert got['Vendor PN'] == ['MC2207130-001'] and got['Vendor rev'] == ['A1']
    assert got['Connector'] == ['0x23 (No separable connector)']
    assert got['Transceiver type'] == ['40G Ethernet: 40G Base-CR4']
    assert got['Transmitter technology'] == ['0xa0 (Copper cable unequalized)']
    assert got['Length (Copper or Active cable)'] == ['1m']
    assert got['BR, Nominal'] == ['14100Mbps']  # FDR: 14.0625 Gb/s per lane, rounded to 100 Mb/s
    assert got['Module temperature'] == ['0.00 degrees C / 32.00 degrees F']  # passive: no monitors
    assert res.stdout.startswith('\tIdentifier                                : 0x0d (QSFP+)\n')


def test_generic_dac_from_the_command_line(lab):
    lab.cardctl('module', '--bdf', BDF, '--port', 'ens1', '--vendor', 'Generic', '--part-number', 'QSFP-40G-DAC1M',
                '--type', 'dac', '--length-m', '3', '--serial', 'G2407001234')
    got = fields(lab.ethtool('-m', 'ens1').stdout)
    assert got['Vendor name'] == ['Generic'] and got['Vendor PN'] == ['QSFP-40G-DAC1M']
    assert got['Vendor OUI'] == ['00:00:00'] and got['Vendor SN'] == ['G2407001234']
    assert got['BR, Nominal'] == ['10300Mbps'] and got['Length (Copper or Active cable)'] == ['3m']


def test_active_optical_cable(lab):
    lab.plug('1', {'type': 'aoc', 'length_m': 10})
    res = lab.ethtool('-m', 'ens1')
    got = fields(res.stdout)
    assert res.returncode == 0, res.stderr
    assert got['Transceiver type'] == ['40G Ethernet: 40G Active Cable (XLPPI)']
    assert got['Length (Copper or Active cable)'] == ['10m'] and got['Laser wavelength'] == ['850.000nm']
    assert got['Module temperature'] == ['38.50 degrees C / 101.30 degrees F']
    assert got['Alarm/warning flags implemented'] == ['No']  # flat memory: no page 03h thresholds


def test_sr4_with_paged_memory_fails_like_kernel_6_1_mlx4(lab):
    """Page 03h is past mlx4_en's 256-byte eeprom_len: the kernel says EINVAL and ethtool 6.1 gives up."""
    lab.plug('ens1', {'type': 'sr4'})
    res = lab.ethtool('-m', 'ens1')
    assert (res.returncode, res.stdout, res.stderr) == (1, '', 'netlink error: Invalid argument\n')
    dump = lab.ethtool('-m', 'ens1', 'hex', 'on')  # ioctl: ETHTOOL_GMODULEINFO + ETHTOOL_GMODULEEEPROM, 256 bytes
    assert dump.returncode == 0, dump.stderr
    lines = dump.stdout.splitlines()
    assert lines[:2] == ['Offset\t\tValues', '------\t\t------'] and len(lines) == 2 + 16
    assert lines[2].startswith('0x0000:\t\t0d 03 00 ') and lines[10].startswith('0x0080:\t\t0d 00 0c 04 ')
    raw = subprocess.run(['ip', 'netns', 'exec', lab.netns, 'env', 'LD_PRELOAD=%s' % lab.shim, 'FAKEMLX_ROOT=%s' % lab.root,
                          'ethtool', '-m', 'ens1', 'raw', 'on'], capture_output=True, timeout=60, check=False)
    assert raw.returncode == 0 and len(raw.stdout) == 256 and raw.stdout[128:131] == b'\x0d\x00\x0c'


def test_sr4_without_paging_decodes(lab):
    lab.plug('ens1', {'type': 'sr4', 'memory': 'flat'})
    got = fields(lab.ethtool('-m', 'ens1').stdout)
    assert got['Identifier'] == ['0x0d (QSFP+)'] and got['Vendor PN'] == ['MC2210411-SR4']
    assert got['Connector'] == ['0x0c (MPO Parallel Optic)']
    assert got['Transceiver type'] == ['40G Ethernet: 40G Base-SR4']
    assert got['Length (OM3 50um)'] == ['100m'] and got['Length (Copper or Active cable)'] == ['0m']
    assert got['Laser tx bias current (Channel 1)'] == ['6.500 mA']


def test_qsa_shows_the_sfp_plus_inside(lab):
    desc = lab.plug('ens1', {'type': 'qsa'})
    assert desc['part_number'] == 'MAM1Q00A-QSA' and desc['sfp']['part_number'] == 'MFM1T02A-SR'
    res = lab.ethtool('-m', 'ens1')
    got = fields(res.stdout)
    assert res.returncode == 0, res.stderr
    assert got['Identifier'] == ['0x03 (SFP)'] and got['Connector'] == ['0x07 (LC)']
    assert got['Transceiver type'] == ['10G Ethernet: 10G Base-SR'] and got['BR, Nominal'] == ['10300MBd']
    assert got['Vendor PN'] == ['MFM1T02A-SR'] and got['Optical diagnostics support'] == ['Yes']
    assert got['Module temperature'] == ['31.50 degrees C / 88.70 degrees F']  # from A2h (i2c 0x51)
    assert got['Laser rx power low alarm threshold'] == ['0.0363 mW / -14.40 dBm']


# ------------------------------------------------------------------ empty cage, ports, pass-through

def test_empty_cage_gives_the_real_errors(lab):
    res = lab.ethtool('-m', 'ens1d1')
    assert (res.returncode, res.stdout, res.stderr) == (1, '', 'netlink error: Input/output error\n')
    res = lab.ethtool('-m', 'ens1d1', 'hex', 'on')  # the ioctl path, as ethtool before 5.13 always used
    assert (res.returncode, res.stdout, res.stderr) == (1, '', 'Cannot get module EEPROM information: Input/output error\n')
    lab.plug('ens1d1', {'type': 'dac'})
    assert lab.ethtool('-m', 'ens1d1').returncode == 0
    lab.plug('ens1d1', None)
    assert lab.ethtool('-m', 'ens1d1').stderr == 'netlink error: Input/output error\n'


def test_ports_are_independent_and_show_lists_them(lab):
    lab.plug('2', {'type': 'aoc'})
    assert lab.ethtool('-m', 'ens1').stderr == 'netlink error: Input/output error\n'
    assert fields(lab.ethtool('-m', 'ens1d1').stdout)['Vendor PN'] == ['MC2206310-003']
    modules = lab.cardctl('show', '--bdf', BDF)[BDF]['modules']
    assert modules['1'] is None and modules['2']['type'] == 'aoc'
    res = run([sys.executable, CARDCTL, '--root', lab.root, 'module', '--bdf', BDF, '--port', '3', '--type', 'dac'])
    assert res.returncode == 2 and 'has 2 port(s)' in res.stderr


def test_kernel_keeps_what_is_not_a_card_port(lab):
    lab.plug('ens1', {'type': 'dac'})
    # a request the kernel refuses before any driver is asked: its own extack message, unchanged
    res = lab.ethtool('-m', 'ens1', 'page', '3', 'offset', '10')
    assert res.returncode == 1
    assert 'netlink error: reading from lower half page is allowed for page 0 only' in res.stderr
    # mlx4_en unloaded: the netdev is the plain TAP again
    with open(os.path.join(lab.root, 'proc_modules'), 'w', encoding='ascii') as handle:
        handle.write('')
    res = lab.ethtool('-m', 'ens1')
    assert (res.returncode, res.stderr) == (1, 'netlink error: Operation not supported\n')


# ------------------------------------------------------------------ EEPROM images

@pytest.mark.parametrize('spec', [{'type': 'dac'}, {'type': 'aoc'}, {'type': 'sr4'}, {'type': 'sr4', 'memory': 'flat'},
                                  {'type': 'dac', 'vendor': 'Generic', 'part_number': 'QSFP-40G-DAC1M'}])
def test_sff8636_checksums_and_layout(spec):
    desc = cardctl.resolve_module(spec, BDF, 1)
    image = cardctl.module_eeprom(desc)
    assert len(image) == (640 if desc['memory'] == 'paged' else 256)
    assert image[0] == image[128] == 0x0d and bool(image[2] & 0x04) == (desc['memory'] == 'flat')
    assert image[191] == sum(image[128:191]) & 0xff  # CC_BASE
    assert image[223] == sum(image[192:223]) & 0xff  # CC_EXT
    assert image[148:164].decode().rstrip() == desc['vendor'] and image[168:184].decode().rstrip() == desc['part_number']


def test_sff8472_checksums_of_the_qsa_passenger():
    image = cardctl.module_eeprom(cardctl.resolve_module({'type': 'qsa'}, BDF, 1))
    assert len(image) == 512 and image[0] == 0x03
    assert image[63] == sum(image[0:63]) & 0xff and image[95] == sum(image[64:95]) & 0xff
    assert image[256 + 95] == sum(image[256:256 + 95]) & 0xff  # CC_DMI


def test_lengths_from_mellanox_part_numbers():
    assert [cardctl.resolve_module({'type': 'dac', 'part_number': pn})['length_m']
            for pn in ('MC2207130-00A', 'MC2207130-001', 'MC2207130-0A1', 'MC2207130-003')] == [0.5, 1, 1.5, 3]
    assert cardctl.module_eeprom(cardctl.resolve_module({'type': 'dac', 'part_number': 'MC2207130-00A'}))[146] == 1
    with pytest.raises(ValueError):
        cardctl.resolve_module({'type': 'sfp'})
    with pytest.raises(ValueError):
        cardctl.resolve_module({'type': 'dac', 'colour': 'blue'})


# ------------------------------------------------------------------ fixtures

def capture(lab_obj, name):
    """One fixture file's text: header, then the command, its stdout+stderr and exit code."""
    spec = CAPTURES[name]
    lab_obj.plug('ens1', spec)
    res = lab_obj.ethtool('-m', 'ens1')
    version = run(['dpkg-query', '-W', '-f=${Version}', 'ethtool']).stdout.strip() or 'unknown'
    what = 'empty cage (no module file)' if spec is None else 'cardctl.py module --spec %s' % json.dumps(spec, sort_keys=True)
    return ''.join([
        '# source: homelab.connectx lab (tests/lab/test_cable_modules.py): the real, unmodified ethtool 6.1 (Debian 12 '
        'package %s) decoding the module EEPROM that the card emulator (tests/lab/emulator, libfakemlx.so) serves for '
        'an emulated module; lab output, not a real module\n' % version,
        '# tool: ethtool -m over netlink (ETHTOOL_MSG_MODULE_EEPROM_GET) answered as kernel 6.1 mlx4_en would; '
        'emulated MCX354A-QCBT at %s, port 1 = ens1 (a TAP in a scratch netns)\n' % BDF,
        '# module: %s\n' % what,
        '# command: python3 tests/lab/test_cable_modules.py --capture (stdout+stderr, exit code appended; TABs kept)\n',
        '# ---\n',
        '$ ethtool -m ens1\n%s%s[exit code: %d]\n' % (res.stdout, res.stderr, res.returncode),
    ])


def fixture_path(name):
    return os.path.join(FIXTURES, 'lab-ethtool-m-%s.txt' % name)


@pytest.mark.parametrize('name', sorted(CAPTURES))
def test_fixture_is_what_the_lab_prints(lab, name):
    with open(fixture_path(name), encoding='utf-8') as handle:
        saved = handle.read()
    now = capture(lab, name)
    assert now.partition('\n# ---\n')[2] == saved.partition('\n# ---\n')[2]


def main():
    if '--capture' not in sys.argv[1:]:
        print(__doc__)
        return 2
    shim = build_shim()
    name = 'cxtest-cm%d' % (os.getpid() % 100000)
    root = tempfile.mkdtemp(prefix='cxtest-modules-')
    make_netns(name)
    try:
        make_card(os.path.join(root, 'fakemlx'))
        lab_obj = Lab(shim, os.path.join(root, 'fakemlx'), name)
        for fixture in sorted(CAPTURES):
            with open(fixture_path(fixture), 'w', encoding='utf-8') as handle:
                handle.write(capture(lab_obj, fixture))
            print(fixture_path(fixture))
    finally:
        run(['ip', 'netns', 'del', name])
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
