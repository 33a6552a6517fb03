# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The link report: one entry per declared link with its status and reasons, and the text of every table cell.

link_report joins the evaluated ends of every host (link_eval) into one entry per link with a status: ``ok``,
``degraded`` (traffic flows, but slower or differently than declared: lower speed, a PCIe slot below the link
speed, wrong MTU/driver/duplex) or ``down`` (no carrier, no interface, peer does not answer, host missing) and the
reasons in plain words (link_diagnosis). Each entry carries the cells of the Markdown and HTML reports ready to print
(``md`` and ``html``), so link_check's templates only loop over the model and print it.

Pure functions over plain data (no Ansible import), called through the ``homelab.connectx`` filters.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.plugin_utils.link_diagnosis import _link_reasons, _min, cable_text
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_eval import _num, module_name, module_present, pcie_words
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_layout import chart, layout
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_model import STATUS_ORDER, links_in_run


def _ceiling_text(end):
    pcie = end.get('pcie') or {}
    words = pcie_words(pcie)
    if not words or pcie.get('ceiling_gbps') is None:
        return None
    encoding = '128/130' if float(pcie['speed_gts']) >= 8 else '8/10'
    text = '%s:%s sits in %s: ceiling %s Gb/s raw (%s GT/s x %s lanes x %s encoding)' % (
        end['host'], end['iface'], words, _num(pcie['ceiling_gbps']), _num(pcie['speed_gts']), pcie['width'], encoding)
    if pcie.get('usable_gbps') is not None:
        text += ', about %s Gb/s after PCIe protocol overhead' % _num(pcie['usable_gbps'])
    return text


def link_report(links, ends, measurements=None, hosts=None, run_hosts=None):
    """One entry per declared link, worst status first, plus the hosts and a diagram layout.

    ``ends``: evaluated ends of every host (evaluate_end results), ``measurements``: list of
    ``{link, direction ('a->b'|'b->a'), gbps, error}``, ``hosts``: {host: {devices: [...], os}}.
    ``run_hosts``: the hosts of this run; an end on another host (left out by ``--limit``) is a warning, not a
    down link. None: every host was meant to be in the run.

    Each link's ``md`` and ``html`` (md_cells, html_cells) are the cells of its rows in the two reports, ready to
    print.
    """
    by_key = dict(((e.get('link'), e.get('end')), e) for e in ends or [])
    measured = {}
    for m in measurements or []:
        measured.setdefault(m.get('link'), []).append(m)
    out = []
    if run_hosts is not None:  # a link with no end in this run has nothing to report
        links = links_in_run(links, run_hosts)
    for link in links or []:
        name = link.get('name')
        speed = int(link.get('speed_mbps') or 0)
        entry = {'name': name, 'speed_mbps': speed, 'ends': {}, 'reasons': [], 'warnings': [],
                 'measured': sorted(measured.get(name, []), key=lambda m: m.get('direction') or '')}
        status = 'ok'
        for side in ('a', 'b'):
            decl = link.get(side) or {}
            end = by_key.get((name, side))
            if end is None:
                end = {'host': decl.get('host'), 'iface': decl.get('iface'), 'state': {}, 'pcie': {}, 'errors': [],
                       'missing': True}
                if run_hosts is not None and decl.get('host') not in run_hosts:
                    end['outside_run'] = True
                    entry['warnings'].append('end %s (%s:%s) was not in this run (left out by --limit): only end %s was '
                                             'checked' % (side, decl.get('host'), decl.get('iface'), 'b' if side == 'a' else 'a'))
                else:
                    entry['reasons'].append('end %s (%s:%s) was not checked: the host failed or was not reached'
                                            % (side, decl.get('host'), decl.get('iface')))
                    status = 'down'
            else:
                if end.get('down'):
                    status = 'down'
                elif end.get('errors') and status == 'ok':
                    status = 'degraded'
                if end.get('pcie_limited'):
                    text = _ceiling_text(end)
                    entry['warnings'].append('limited by %s' % text if text else
                                             '%s:%s: the PCIe slot gives less than the link speed' % (end['host'], end['iface']))
                    if status == 'ok':
                        status = 'degraded'
                for warning in (end.get('pcie') or {}).get('warnings') or []:
                    text = '%s:%s: %s' % (end.get('host'), end.get('iface'), warning)
                    if text not in entry['warnings']:
                        entry['warnings'].append(text)
            entry['ends'][side] = end
        reasons, hints = _link_reasons(entry)
        entry['reasons'].extend(reasons)
        entry['hints'] = hints
        entry['cable'] = cable_text(entry['ends'])
        negotiated = _min([(entry['ends'][s].get('state') or {}).get('speed_mbps') for s in ('a', 'b')])
        entry['negotiated_gbps'] = negotiated / 1000.0 if negotiated else None
        entry['ceiling_gbps'] = _min([(entry['ends'][s].get('pcie') or {}).get('ceiling_gbps') for s in ('a', 'b')])
        entry['usable_gbps'] = _min([(entry['ends'][s].get('pcie') or {}).get('usable_gbps') for s in ('a', 'b')])
        entry['measured_gbps'] = max([m['gbps'] for m in entry['measured'] if m.get('gbps') is not None] or [None],
                                     key=lambda v: -1 if v is None else v)
        entry['measured_text'] = ', '.join(
            '%s %s' % (m.get('direction'), '%.2f Gb/s' % m['gbps'] if m.get('gbps') is not None else 'failed: %s' % (m.get('error') or '?'))
            for m in entry['measured']) or 'not measured'
        entry['status'] = status
        entry['bars'] = _bars(entry)
        entry['md'] = md_cells(entry)
        entry['html'] = html_cells(entry)
        out.append(entry)
    out.sort(key=lambda e: (-STATUS_ORDER[e['status']], e['name'] or ''))
    host_names = sorted(set([e['host'] for e in ends or [] if e.get('host')]
                            + [(link.get(s) or {}).get('host') for link in links or [] for s in ('a', 'b')
                               if (link.get(s) or {}).get('host')]
                            + list((hosts or {}).keys())))
    counts = dict((s, len([e for e in out if e['status'] == s])) for s in STATUS_ORDER)
    labels = dict((e['name'], cable_label(e)) for e in out)
    return {'links': out, 'hosts': [dict({'name': h}, **((hosts or {}).get(h) or {})) for h in host_names],
            'layout': layout(host_names, links, labels), 'counts': counts}


def cable_label(entry):
    """The two lines beside a cable in the diagram: name, speed and status; the cable's vendor and part number."""
    speed = ('%gG' % entry['negotiated_gbps']) if entry.get('negotiated_gbps') else 'no link'
    lines = ['%s: %s (%s)' % (entry['name'], speed, entry['status'])]
    # A module in the cage whose EEPROM cannot be read (kernel 6.1 mlx4_en with a paged optic) has no name.
    names = [module_name(entry['ends'][s].get('module')) or 'module not readable' for s in ('a', 'b')
             if module_present(entry['ends'][s].get('module'))]
    if names:
        lines.append(names[0] if len(set(names)) == 1 else ' / '.join(names))
    return lines


def _bars(entry):
    """Bars of the chart: declared, negotiated, PCIe ceiling, measured; width in % of the largest."""
    rows = [('declared', entry['speed_mbps'] / 1000.0 if entry['speed_mbps'] else None),
            ('negotiated', entry['negotiated_gbps']),
            ('PCIe ceiling', entry['ceiling_gbps']),
            ('measured', entry['measured_gbps'])]
    top = max([value for label, value in rows if value] or [1.0])
    return [{'label': label, 'gbps': value, 'pct': round(100.0 * value / top, 1) if value else 0.0} for label, value in rows]


# What the report says of a cage whose module was not read (module kind ``none``), by reason.
MODULE_WORDS_MD = {'no_module': 'no module', 'unreadable': 'module (ethtool cannot read it)'}
MODULE_WORDS_HTML = dict(MODULE_WORDS_MD, unsupported='not readable here')


def _text(value):
    return u'%s' % (value,)


def _bare(value):
    """A value as the template module prints it: None is '' (Ansible's finalize), the rest is its text."""
    return '' if value is None else _text(value)


def _or_dash(value):
    """The value as text, '-' when it is empty or None."""
    return _text(value) if value else '-'


def _escape(value):
    """The value as HTML text, as Jinja2's ``e`` filter (markupsafe.escape) writes it."""
    return _text(value).replace('&', '&amp;').replace('>', '&gt;').replace('<', '&lt;').replace("'", '&#39;').replace('"', '&#34;')


def _sub(html):
    """A second line of a cell, in small grey: ``html`` is already escaped."""
    return '<br><span class="sub">%s</span>' % html


def _module_cell(module, words):
    """The cell of a port's module that was not read, unescaped: '-' (no module dict), or what the cage holds in
    ``words`` by the reason (the reason itself when ``words`` has none); None for a module that was read (its
    summary is the cell)."""
    if module is None:
        return '-'
    if module.get('kind') == 'none':
        reason = module.get('reason')
        return words[reason] if reason in words else _or_dash(reason)
    return None


def _why(entry):
    """Everything said of a link, in order: reasons, warnings, hints."""
    return entry['reasons'] + entry['warnings'] + ['hint: %s' % hint for hint in entry.get('hints') or []]


def _md_end(side, end):
    """The cells of one end's row in links.md (Host:port ... Ceiling)."""
    state, pcie, card = end.get('state') or {}, end.get('pcie') or {}, end.get('card') or {}
    module = end.get('module')
    cable = _module_cell(module, MODULE_WORDS_MD)
    if pcie.get('speed_gts') is not None:
        pcie_text = '%s GT/s x%s / %s GT/s x%s' % tuple(_bare(pcie.get(k)) for k in ('speed_gts', 'width', 'max_speed_gts', 'max_width'))
    else:
        pcie_text = '-'
    return {
        'side': side,
        'port': '%s:%s' % (_bare(end.get('host')), _bare(end.get('iface'))),
        'speed': '%s Mb/s' % state['speed_mbps'] if state.get('speed_mbps') is not None else '-',
        'duplex': _or_dash(state.get('duplex')),
        'carrier': ('yes' if state['carrier'] else 'no') if 'carrier' in state else '-',
        'mtu': _or_dash(state.get('mtu')),
        'driver': _or_dash(state.get('driver')),
        'firmware': _or_dash(end.get('fw_version')),
        'card': ', '.join(_text(v) for v in (card.get('text'), end.get('pci_address')) if v) or '-',
        'cable': _text(module.get('summary')).replace('|', '/') if cable is None else cable,
        'pcie': pcie_text,
        'ceiling': '%s Gb/s' % pcie['ceiling_gbps'] if pcie.get('ceiling_gbps') is not None else '-',
    }


def md_cells(entry):
    """The cells of a link's rows in links.md: its row in the links table, and ``ends`` (a row per end).

    A cell never holds a '|' of the text it shows (the table's column separator): it is written '/'.
    """
    ceiling, usable = entry['ceiling_gbps'], entry['usable_gbps']
    return {
        'declared': '%s Gb/s' % round(entry['speed_mbps'] / 1000, 1),
        'negotiated': '%.1f Gb/s' % entry['negotiated_gbps'] if entry['negotiated_gbps'] is not None else 'no link',
        'cable': _text(entry['cable'] or '-').replace('|', '/'),
        'ceiling': '%.1f / %.1f Gb/s' % (ceiling, usable if usable is not None else 0) if ceiling is not None else 'unknown',
        'why': '<br>'.join(_text(why) for why in _why(entry)).replace('|', '/') or '-',
        'ends': [_md_end(side, entry['ends'][side]) for side in ('a', 'b')],
    }


def _html_link(end, state):
    """The Link cell of an end in links.html: not checked, no carrier, or its speed and duplex."""
    if end.get('missing'):
        return 'not checked'
    if 'carrier' in state and not state['carrier']:
        return 'no carrier'
    if state.get('speed_mbps') is not None:
        return '%s Mb/s %s' % (state['speed_mbps'], state.get('duplex') or '')
    return '-'


def _html_end(side, end):
    """The cells of one end's row in links.html (Host:port ... PCIe), HTML."""
    state, pcie, card = end.get('state') or {}, end.get('pcie') or {}, end.get('card') or {}
    module = end.get('module')
    cable = _module_cell(module, MODULE_WORDS_HTML)
    if card.get('model') and card.get('psid'):
        card_html = '%s <span class="sub">(%s)</span>' % (_escape(card['model']), _escape(card['psid']))
    else:
        card_html = _escape(card.get('text') or '-')
    if end.get('pci_address'):
        card_html += _sub(_escape(end['pci_address']))
    pcie_html = '-'
    if pcie.get('speed_gts') is not None:
        pcie_html = '%s GT/s x%s (%s GT/s x%s)' % tuple(_bare(pcie.get(k)) for k in ('speed_gts', 'width', 'max_speed_gts', 'max_width'))
        if pcie.get('ceiling_gbps') is not None:
            pcie_html += ': %s / %s Gb/s' % (pcie['ceiling_gbps'], pcie.get('usable_gbps') or '?')
    return {
        'side': side,
        'port': '%s:%s' % (_escape(end.get('host')), _escape(end.get('iface'))),
        'link': _html_link(end, state),
        'mtu': _or_dash(state.get('mtu')),
        'cable': _escape(module.get('summary')) if cable is None else cable,
        'card': card_html,
        'driver': _or_dash(state.get('driver')) + (_sub(_escape(end['fw_version'])) if end.get('fw_version') else ''),
        'pcie': pcie_html,
    }


def html_cells(entry):
    """The cells of a link in links.html, HTML: the cable's tooltip in the diagram (``title``), its row in the links
    table (``speed``, ``cable``, ``why``), its bar chart (``chart``) and ``ends`` (a row per end)."""
    hints = entry.get('hints') or []
    why = ''.join('<div class="%s">%s</div>' % ('degraded' if r in entry['warnings'] else entry['status'], _escape(r))
                  for r in entry['reasons'] + entry['warnings'])
    why += ''.join('<div class="hint">hint: %s</div>' % _escape(hint) for hint in hints)
    now = '%g Gb/s now' % entry['negotiated_gbps'] if entry['negotiated_gbps'] is not None else 'no link'
    return {
        'title': '%s: %s%s' % (_escape(entry['name']), entry['status'], ' - %s' % _escape(entry['cable']) if entry['cable'] else ''),
        'speed': '%g Gb/s declared%s' % (entry['speed_mbps'] / 1000, _sub(now)),
        'cable': _escape(entry['cable'] or '-'),
        'why': why or '-',
        'chart': chart(entry['bars'], bool(entry['warnings'])),
        'ends': [_html_end(side, entry['ends'][side]) for side in ('a', 'b')],
    }
