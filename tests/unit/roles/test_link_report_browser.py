# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML link report opens in headless Chromium: no console error, every link drawn, a screenshot.

The page is rendered from the role's template with a lab-like model (report_model.py).
Set CONNECTX_REPORT_HTML to check another page (e.g. the reports/links.html that `make demo` wrote).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shutil
import subprocess

import pytest

from report_model import render

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
# Flags for a closed network, as root, without a screen.
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--enable-logging=stderr', '--v=0', '--virtual-time-budget=2000']


def chromium(tmp_path, *args):
    argv = [CHROMIUM] + FLAGS + ['--user-data-dir=%s' % (tmp_path / 'profile')] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason='chromium not installed (tests/apt-packages.txt installs it)')
def test_report_page_renders_in_chromium(tmp_path):
    page = os.environ.get('CONNECTX_REPORT_HTML')
    if not page:
        page = str(tmp_path / 'links.html')
        with open(page, 'w', encoding='utf-8') as handle:
            handle.write(render('links.html.j2'))
    with open(page, encoding='utf-8') as handle:
        expected_links = re.findall(r'<div class="link" data-link="([^"]+)"', handle.read())
    assert expected_links, 'the page lists no link'

    dom = chromium(tmp_path, '--dump-dom', 'file://' + page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if 'CONSOLE' in line or 'Uncaught' in line]
    assert console == [], console
    assert 'data-rendered="ok"' in dom.stdout, 'the page script did not mark the page as drawn'
    for name in expected_links:
        assert 'data-link="%s"' % name in dom.stdout

    shot = tmp_path / 'links.png'
    res = chromium(tmp_path, '--screenshot=%s' % shot, '--window-size=1000,1600', 'file://' + page)
    assert res.returncode == 0, res.stderr[-2000:]
    with open(str(shot), 'rb') as handle:
        png = handle.read()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10000, 'no real screenshot'
