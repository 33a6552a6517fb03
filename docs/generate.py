# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the reference docs from the sources that define them.

* docs/modules/<module>.md from each module's DOCUMENTATION/EXAMPLES/RETURN (via ansible-doc --json);
* docs/roles/<role>.md from each role's meta/argument_specs.yml (the variables a user may set).

Run through `make docs`, which makes homelab.connectx resolvable by ansible-doc first.
"""

import json
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def option_rows(options, prefix=''):
    for name, spec in sorted((options or {}).items()):
        desc = spec.get('description', '')
        if isinstance(desc, list):
            desc = ' '.join(desc)
        choices = spec.get('choices')
        extra = ' Choices: %s.' % ', '.join('`%s`' % c for c in choices) if choices else ''
        default = spec.get('default')
        extra += ' Default: `%s`.' % (default,) if default is not None else ''
        required = 'yes' if spec.get('required') else 'no'
        yield '| `%s%s` | %s | %s | %s%s |' % (prefix, name, spec.get('type', 'str'), required,
                                               desc.replace('\n', ' '), extra)
        yield from option_rows(spec.get('suboptions'), prefix + name + '.')


def return_rows(returns, prefix=''):
    for name, spec in sorted((returns or {}).items()):
        desc = spec.get('description', '')
        if isinstance(desc, list):
            desc = ' '.join(desc)
        yield '| `%s%s` | %s | %s | %s |' % (prefix, name, spec.get('type', ''), spec.get('returned', ''),
                                             desc.replace('\n', ' '))
        yield from return_rows(spec.get('contains'), prefix + name + '.')


def render(fqcn, data):
    doc = data['doc']
    lines = ['# %s' % fqcn, '', doc.get('short_description', ''), '']
    description = doc.get('description', [])
    lines += description if isinstance(description, list) else [description]
    lines += ['', '## Options', '', '| option | type | required | description |', '|---|---|---|---|']
    lines += list(option_rows(doc.get('options')))
    if doc.get('attributes'):
        lines += ['', '## Attributes', '', '| attribute | support | notes |', '|---|---|---|']
        for name, spec in sorted(doc['attributes'].items()):
            details = spec.get('details', '')
            if isinstance(details, list):
                details = ' '.join(details)
            lines.append('| %s | %s | %s |' % (name, spec.get('support', ''), details))
    if doc.get('notes'):
        lines += ['', '## Notes', ''] + ['- %s' % n for n in doc['notes']]
    lines += ['', '## Examples', '', '```yaml', (data.get('examples') or '').strip(), '```', '',
              '## Return values', '', '| key | type | returned | description |', '|---|---|---|---|']
    lines += list(return_rows(data.get('return')))
    return '\n'.join(lines) + '\n'


def role_doc(role, specs):
    lines = ['# Role homelab.connectx.%s' % role, '']
    for entry_point, spec in sorted(specs.get('argument_specs', {}).items()):
        lines += ['## Entry point `%s`' % entry_point, '', spec.get('short_description', ''), '']
        description = spec.get('description') or []
        lines += description if isinstance(description, list) else [description]
        lines += ['', '| variable | type | required | description |', '|---|---|---|---|']
        lines += list(option_rows(spec.get('options')))
        lines.append('')
    return '\n'.join(lines) + '\n'


def write_role_docs():
    roles_dir = os.path.join(ROOT, 'roles')
    written = []
    for role in sorted(os.listdir(roles_dir)):
        spec_path = os.path.join(roles_dir, role, 'meta', 'argument_specs.yml')
        if not os.path.isfile(spec_path):
            continue
        with open(spec_path, encoding='utf-8') as handle:
            specs = yaml.safe_load(handle) or {}
        os.makedirs(os.path.join(HERE, 'roles'), exist_ok=True)
        with open(os.path.join(HERE, 'roles', role + '.md'), 'w', encoding='utf-8') as handle:
            handle.write(role_doc(role, specs))
        written.append(role)
    print('docs: wrote %d role pages' % len(written))


def main():
    write_role_docs()
    modules = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                     if f.endswith('.py') and not f.startswith('_'))
    if not modules:
        print('docs: no modules yet')
        return 0
    fqcns = ['homelab.connectx.%s' % m for m in modules]
    # ansible-doc of the same virtualenv as this interpreter (make docs runs .venv/bin/python).
    ansible_doc = os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
    out = subprocess.run([ansible_doc if os.path.exists(ansible_doc) else 'ansible-doc', '--json', '-t', 'module'] + fqcns, check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    data = json.loads(out)
    index = ['# Modules', '', '| module | what it does |', '|---|---|']
    for fqcn in fqcns:
        name = fqcn.rsplit('.', 1)[1]
        with open(os.path.join(HERE, 'modules', name + '.md'), 'w', encoding='utf-8') as handle:
            handle.write(render(fqcn, data[fqcn]))
        index.append('| [%s](modules/%s.md) | %s |' % (fqcn, name, data[fqcn]['doc'].get('short_description', '')))
    with open(os.path.join(HERE, 'modules.md'), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(index) + '\n')
    print('docs: wrote %d module pages' % len(fqcns))
    return 0


if __name__ == '__main__':
    sys.exit(main())
