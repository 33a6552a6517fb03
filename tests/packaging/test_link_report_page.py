# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The link report as the role writes it, with host names as long as a homelab's FQDNs: fits 1000 px, no console error.

The page comes from the code that writes it in a run. ansible-playbook on localhost runs link_check's preflight entry
point, whose link_plan action leaves each host's connectx_link_plan (links, ends, hosts) from connectx_links and
connectx_interfaces, as in a run. link_evaluate reads the ports with link_info on the host, so its result is worked out
here with the same functions (link_run.plan for the ends, link_eval.evaluate_ends for each end against a link_info-like
state: cable modules, cards with their PSID; no pings, as with connectx_link_ping_count 0) and handed to the play as
each host's connectx_link_results; the play checks that link_plan left the same ends. Then the play includes
link_check's report entry point, whose link_report action builds the model from every host's facts and whose template
tasks render links.md and links.html. Headless Chromium then opens
links.html at 1000 px: the page script writes whether the document is wider than the window (data-fits), and the
test reads it from --dump-dom. Skipped without Chromium (tests/apt-packages.txt installs it).

CONNECTX_REPORT_SHOTS=DIR keeps the page and screenshots at 1000 and 1600 px in DIR, to look at.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from collection_link import isolated

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
# Flags for a closed network, as root, without a screen (as tests/unit/roles/test_link_report_browser.py).
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--enable-logging=stderr', '--v=0', '--virtual-time-budget=2000']

NODE1 = 'pve-node-01.homelab.example.internal'
NODE2 = 'pve-node-02-in-the-garage.homelab.example.internal'
NODE3 = 'pve3.lan'
DESK = 'windows-or-linux-workstation-upstairs.example.internal'
LINKS = [
    {'name': 'pve1-pve2', 'a': {'host': NODE1, 'iface': 'ens1'}, 'b': {'host': NODE2, 'iface': 'ens1'}, 'speed_mbps': 56000},
    {'name': 'pve1-pve3', 'a': {'host': NODE1, 'iface': 'ens1d1'}, 'b': {'host': NODE3, 'iface': 'ens1'}, 'speed_mbps': 40000},
    {'name': 'pve3-desk', 'a': {'host': NODE3, 'iface': 'ens1d1'}, 'b': {'host': DESK, 'iface': 'ens1'}, 'speed_mbps': 40000},
]
IFACES = {NODE1: [{'name': 'ens1', 'address': '198.18.1.1/30'}, {'name': 'ens1d1', 'address': '198.18.2.1/30'}],
          NODE2: [{'name': 'ens1', 'address': '198.18.1.2/30'}],
          NODE3: [{'name': 'ens1', 'address': '198.18.2.2/30'}, {'name': 'ens1d1', 'address': '198.18.3.1/30'}],
          DESK: [{'name': 'ens1', 'address': '198.18.3.2/30'}]}
# Modules as link_info returns them (the fields the evaluation and the report read; parse_ethtool is tested on the
# real outputs elsewhere): a generic DAC on the 56G link, a 56G-capable Mellanox DAC on a 40G link, a cable unplugged.
GENERIC = {'kind': 'dac', 'present': True, 'vendor': 'Generic', 'vendor_oui': '00:00:00', 'part_number': 'QSFP-40G-DAC1M',
           'br_nominal_mbps': 10300, 'max_speed_mbps': 40000, 'summary': 'Generic QSFP-40G-DAC1M (DAC, 1 m)'}
MELLANOX = {'kind': 'dac', 'present': True, 'vendor': 'Mellanox', 'vendor_oui': '00:02:c9', 'part_number': 'MC2207130-001',
            'br_nominal_mbps': 14100, 'max_speed_mbps': 40000, 'summary': 'Mellanox MC2207130-001 (DAC, 1 m)'}
AOC = {'kind': 'aoc', 'present': True, 'vendor': 'Mellanox', 'vendor_oui': '00:02:c9', 'part_number': 'MC2206310-003',
       'br_nominal_mbps': 10300, 'max_speed_mbps': 40000, 'summary': 'Mellanox MC2206310-003 (AOC, 3 m)'}
GEN3 = {'speed_gts': 8.0, 'max_speed_gts': 8.0, 'max_width': 8, 'degraded': False, 'warnings': []}


def _port(speed, module):
    return {'speed_mbps': speed, 'carrier': speed is not None, 'duplex': 'full' if speed else None, 'driver': 'mlx4_en',
            'mtu': 1500, 'module': module, 'card_ports': ['ens1', 'ens1d1'], 'supported_link_modes': []}


STATE = {
    NODE1: {'ens1': _port(40000, GENERIC), 'ens1d1': _port(40000, MELLANOX)},
    NODE2: {'ens1': _port(40000, GENERIC)},
    NODE3: {'ens1': _port(40000, MELLANOX), 'ens1d1': _port(None, AOC)},
    DESK: {'ens1': _port(None, AOC)},
}


def _devices(host):
    x4 = host == NODE2
    pcie = dict(GEN3, width=4 if x4 else 8, ceiling_gbps=31.5 if x4 else 63.0, usable_gbps=28.8 if x4 else 57.6)
    return [{'pci_address': '0000:03:00.0', 'netdevs': ['ens1', 'ens1d1'], 'psid': 'MT_1090120019', 'fw_version': '2.42.5000',
             'pcie': pcie}]


def _hostvars():
    """The variables link_plan reads from every host of the run (connectx_links, connectx_interfaces)."""
    return dict((host, {'connectx_links': LINKS, 'connectx_interfaces': IFACES[host]}) for host in STATE)


def _planned(host):
    """The host's connectx_link_plan as link_check's link_plan action leaves it: every host is in the play, none is
    far (no windows_hosts), no --limit."""
    from ansible_collections.homelab.connectx.plugins.plugin_utils import link_run
    hosts = link_run.run_hosts(list(STATE), [])
    problems, planned = link_run.plan(LINKS, _hostvars(), hosts, hosts, host)
    assert problems == [], problems
    return planned


def _results(host):
    """The host's ends as link_check's link_evaluate action leaves them (connectx_link_results): its planned ends,
    evaluated against the link_info-like state with its cards, as with connectx_link_ping_count 0."""
    from ansible_collections.homelab.connectx.plugins.plugin_utils import link_eval
    ends = _planned(host)['ends']
    return link_eval.evaluate_ends(ends, STATE[host], [], _devices(host), 'mlx4_en', 'full', False, ports={})


PLAY = [{
    'name': 'Plan the links with link_check, hand its report the ends link_evaluate would leave, write the report',
    'hosts': 'connectx_hosts',
    'gather_facts': False,
    'tasks': [
        {'name': 'The links of the run and the ends of each host (link_plan sets connectx_link_plan)',
         'ansible.builtin.include_role': {'name': 'homelab.connectx.link_check', 'tasks_from': 'preflight'}},
        {'name': 'The evaluated ends handed to the host are the ends link_plan left',
         'ansible.builtin.assert': {
             'that': ['connectx_link_plan.ends == test_planned_ends',
                      "connectx_link_plan.links | map(attribute='name') | list == "
                      "connectx_links | map(attribute='name') | list"],
             'quiet': True}},
        {'name': 'Write the link report',
         'ansible.builtin.include_role': {'name': 'homelab.connectx.link_check', 'tasks_from': 'report'}},
    ],
}]


def run(argv, env, cwd=ROOT):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, '%s failed (rc %d):\n%s\n%s' % (argv, proc.returncode, proc.stdout[-4000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    """The folder where the report task wrote links.md and links.html."""
    tmp = tmp_path_factory.mktemp('report')
    _path, env = isolated(tmp, ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1', ANSIBLE_HOST_KEY_CHECKING='0')
    if str(tmp / 'collections') not in sys.path:
        sys.path.insert(0, str(tmp / 'collections'))  # _planned and _results import the collection's own code
    hosts = dict((host, dict(_hostvars()[host], ansible_connection='local', ansible_python_interpreter=sys.executable,
                             connectx_link_results=_results(host), test_planned_ends=_planned(host)['ends']))
                 for host in STATE)
    inventory = {'all': {'vars': {'connectx_report_dir': str(tmp / 'reports')},
                         'children': {'connectx_hosts': {'hosts': hosts}}}}
    (tmp / 'inventory.yml').write_text(yaml.safe_dump(inventory))
    (tmp / 'report.yml').write_text(yaml.safe_dump(PLAY, sort_keys=False))
    run([PLAYBOOK_BIN, '-i', str(tmp / 'inventory.yml'), str(tmp / 'report.yml')], env)
    return tmp / 'reports'


def test_the_report_task_writes_both_pages_with_cables_and_card_models(written):
    md = (written / 'links.md').read_text(encoding='utf-8')
    rows = dict((line.split('|')[1].strip(), line) for line in md.splitlines() if re.match(r'^\| pve\d-', line))
    assert rows['pve1-pve2'].split('|')[2].strip() == 'DEGRADED'
    assert ('56GbE needs a Mellanox DAC (e.g. MC2207130-xxx); this is Generic QSFP-40G-DAC1M, so the link runs at 40000 '
            'Mb/s instead of 56000') in rows['pve1-pve2']
    assert rows['pve1-pve3'].split('|')[2].strip() == 'OK'
    assert 'hint: the cable (Mellanox MC2207130-001) can run 56 GbE' in rows['pve1-pve3']
    assert rows['pve3-desk'].split('|')[2].strip() == 'DOWN'
    assert rows['pve3-desk'].count('carrier is down') == 1  # one unplugged cable, one reason
    assert 'MCX354A-FCBT (MT_1090120019), 0000:03:00.0' in md
    html = (written / 'links.html').read_text(encoding='utf-8')
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html), 'no network resources'
    assert html.count('<g class="host"') == 4 and html.count('<g class="cable"') == 3
    assert '<title>%s</title>' % DESK in html  # the whole name, as the box's tooltip


def chromium(tmp_path, *args):
    argv = [CHROMIUM] + FLAGS + ['--user-data-dir=%s' % (tmp_path / 'profile')] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def body_attributes(dom):
    body = re.search(r'<body([^>]*)>', dom)
    assert body, dom[:2000]
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason='chromium not installed (tests/apt-packages.txt installs it)')
def test_the_page_fits_1000_px_without_sideways_scrolling_and_logs_no_error(written, tmp_path):
    page = written / 'links.html'
    dom = chromium(tmp_path, '--window-size=1000,1400', '--dump-dom', page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if 'CONSOLE' in line or 'Uncaught' in line]
    assert console == [], console
    attrs = body_attributes(dom.stdout)
    assert attrs.get('data-rendered') == 'ok', attrs
    assert attrs.get('data-fits') == 'yes', 'the page is %s px wide in a %s px window' % (
        attrs.get('data-scroll-width'), attrs.get('data-client-width'))
    assert int(attrs['data-client-width']) >= 960  # the window was 1000 px (less its scroll bar)

    # The probe itself: the same page with one element wider than the window says it does not fit.
    wide = tmp_path / 'wide.html'
    wide.write_text(page.read_text(encoding='utf-8').replace('<script>', '<div style="width: 1400px">x</div>\n<script>', 1),
                    encoding='utf-8')
    too_wide = body_attributes(chromium(tmp_path, '--window-size=1000,1400', '--dump-dom', wide.as_uri()).stdout)
    assert too_wide.get('data-fits') == 'no', too_wide

    shots = os.environ.get('CONNECTX_REPORT_SHOTS')
    if shots:
        os.makedirs(shots, exist_ok=True)
        shutil.copy(str(page), os.path.join(shots, 'links.html'))
        for width in (1000, 1600):
            shot = os.path.join(shots, 'links-%d.png' % width)
            res = chromium(tmp_path, '--screenshot=%s' % shot, '--window-size=%d,2400' % width, page.as_uri())
            assert res.returncode == 0, res.stderr[-2000:]
        with open(os.path.join(shots, 'dom-1000.json'), 'w', encoding='utf-8') as handle:
            json.dump(attrs, handle)
