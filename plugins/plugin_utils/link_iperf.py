# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iperf3 results in Gb/s: one ``iperf3 --json`` run, and the registered results of link_check's client loop.

Pure functions over plain data (no Ansible import), called through the ``homelab.connectx`` filters.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json


def iperf_gbps(result):
    """Received Gb/s of one ``iperf3 --json`` run (a dict, already decoded), or None."""
    try:
        return round(float(result['end']['sum_received']['bits_per_second']) / 1e9, 2)
    except (KeyError, TypeError, ValueError):
        return None


def iperf_measurements(results):
    """``{link, direction, gbps, error}`` from the registered results of the iperf3 client loop.

    Each loop item is ``[end, extra_args]``; ``--reverse`` in extra_args means the b->a direction.
    """
    out = []
    for res in results or []:
        if not isinstance(res, dict) or 'rc' not in res:
            continue
        item = res.get('item') or [{}, []]
        data = None
        try:
            data = json.loads(res.get('stdout') or '')
        except ValueError:
            pass
        gbps = iperf_gbps(data) if res['rc'] == 0 else None
        error = None
        if gbps is None:
            error = ((data or {}).get('error') if isinstance(data, dict) else None) or (res.get('stderr') or '').strip() \
                or 'iperf3 exited with %s' % res['rc']
        out.append({'link': (item[0] or {}).get('link'), 'direction': 'b->a' if '--reverse' in (item[1] or []) else 'a->b',
                    'gbps': gbps, 'error': error})
    return out
