# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Record what Debian 13's own mstflint (4.31) does against the card emulator, as parser fixtures.

    python3 tests/lab/capture_trixie.py [--out DIR]     # on a Debian 13 system with its mstflint installed

Run where Debian 13 "trixie" and its mstflint package are installed (a trixie lab host, or a trixie root
filesystem under chroot with tests/lab/emulator and tests/lab/firmware copied in). libfakemlx.so is built
with make when gcc is there, else the one next to cardctl.py is used as it is (a Debian 12 build loads on
Debian 13's newer glibc). Two emulated cards: MCX354A-QCBT (ConnectX-3) at 0000:03:00.0, MCX314A-BCCT
(ConnectX-3 Pro) at 0000:04:00.0; once without the vendor-specific PCI capability (`cardctl create
--no-vsc`, the emulator's default when these were captured), once with it (`--vsc`, now the default: the
capability a real card has, what 4.30+ crashes on).
Each file: a provenance header, `# ---`, then per command its stdout and stderr as separate captures and the
exit code (a process killed by a signal: the signal, and the status a shell would show).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EMU = os.path.join(HERE, 'emulator')
CARDS = (('0000:03:00.0', 'MCX354A-QCBT', 'cx3', 'ens1,ens1d1'), ('0000:04:00.0', 'MCX314A-BCCT', 'cx3pro', 'ens2,ens2d1'))


def package_version():
    res = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'mstflint'], capture_output=True, text=True, check=False)
    return res.stdout.strip() or 'unknown'


def os_release():
    with open('/etc/os-release') as handle:
        fields = dict(line.rstrip('\n').split('=', 1) for line in handle if '=' in line)
    return fields.get('PRETTY_NAME', '').strip('"')


def shim():
    if shutil.which('gcc') and shutil.which('make'):
        subprocess.run(['make', '-s', '-C', EMU], check=True)
    path = os.path.join(EMU, 'libfakemlx.so')
    if not os.path.exists(path):
        sys.exit('no %s: build it (make -C tests/lab/emulator) or install gcc and make' % path)
    return path


def make_root(vsc):
    root = tempfile.mkdtemp(prefix='cx-trixie-')
    cardctl = [sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', root]
    for bdf, preset, _name, netdevs in CARDS:
        subprocess.run(cardctl + ['create', '--bdf', bdf, '--preset', preset, '--pcie-speed', '8', '--pcie-width', '8',
                                  '--netdevs', netdevs, '--vsc' if vsc else '--no-vsc'], check=True, capture_output=True)
    return root


def record(argv, env):
    res = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if res.returncode < 0:
        code = '[killed by signal %d (%s); a shell reports exit status %d]' % (
            -res.returncode, signal.Signals(-res.returncode).name, 128 - res.returncode)
    else:
        code = '[exit code: %d]' % res.returncode
    return '$ %s\n## [stdout]\n%s## [stderr]\n%s%s\n' % (' '.join(argv), res.stdout, res.stderr, code)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--out', default=os.path.join(REPO, 'tests', 'unit', 'fixtures', 'local'))
    parser.add_argument('--note', action='append', default=[], help='a "# note:" line for the headers (where it ran)')
    args = parser.parse_args()
    version = package_version()
    short = '.'.join(version.split('+')[0].split('.')[:2])
    preload = shim()
    system = os_release()
    for vsc in (False, True):
        root = make_root(vsc)
        env = dict(os.environ, LC_ALL='C', LD_PRELOAD=preload, FAKEMLX_ROOT=root)
        subprocess.run([sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', root, 'boot'], env=env, check=True,
                       capture_output=True)
        how = ('cards created with `cardctl create --vsc` (the vendor-specific PCI capability of a real card)' if vsc
               else 'cards created with `cardctl create --no-vsc` (no vendor-specific PCI capability)')
        header = ('# source: mstflint %s (the Debian 13 package) on %s against the homelab.connectx card emulator '
                  '(tests/lab/emulator), %s: MCX354A-QCBT MT_1090110018 2.40.5030 at 0000:03:00.0 and MCX314A-BCCT '
                  'MT_1090111023 2.40.5032 at 0000:04:00.0\n'
                  '# tool: real, unmodified mstflint/mstconfig of the Debian 13 package with LD_PRELOAD=libfakemlx.so\n'
                  '# command: python3 tests/lab/capture_trixie.py (stdout and stderr captured separately, exit code '
                  'appended)\n%s# ---\n' % (version, system, how, ''.join('# note: %s\n' % n for n in args.note)))
        files = {}
        for bdf, _preset, name, _netdevs in CARDS:
            tag = '-vsc' if vsc else ''
            # Twice without the capability: the lines after PSID differ from one run to the next.
            files['trixie-mstflint-%s-query-%s%s.txt' % (short, name, tag)] = [['mstflint', '-d', bdf, 'query']] * (1 if vsc else 2)
            files['trixie-mstconfig-%s-query-%s%s.txt' % (short, name, tag)] = [['mstconfig', '-d', bdf, 'query']]
        if not vsc:
            files['trixie-mstflint-%s-version.txt' % short] = [['mstflint', '--version']]
            files['trixie-mstconfig-%s-version.txt' % short] = [['mstconfig', '-v']]
        for filename, commands in sorted(files.items()):
            body = ''.join('%s%s' % ('## run %d\n' % (i + 1) if i else '', record(argv, env)) for i, argv in enumerate(commands))
            with open(os.path.join(args.out, filename), 'w') as handle:
                handle.write(header + body)
            print(os.path.join(args.out, filename))
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
