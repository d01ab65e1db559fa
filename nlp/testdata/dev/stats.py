#!/usr/bin/env python3
"""Validate the dev set and print counts (used for docs/labelling.md).

Usage: python3 nlp/testdata/dev/stats.py [--markdown]
Checks: valid JSON per line, unique ids, category/framing/campaign ids from the
fixed lists, place codes against ../shared/data TSVs, one focus at most, one
entry per distinct place, campaign and place surfaces present in the text,
duplicate titles/texts, the published offset of the source country, .example URLs.
Notices (not errors): femicidio labels whose text never names femicidio,
feminicidio or muerte violenta de mujer (the guide's "reported as" rule).
"""
import csv, glob, json, os, re, sys, collections
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get('ESCUCHA_SHARED_DATA', os.path.join(HERE, '../../../../shared/data'))
CATS = ['homicidio', 'femicidio', 'violencia_contra_mujer', 'violencia_sexual', 'violencia_intrafamiliar',
        'trata_personas', 'extorsion', 'desaparicion', 'robo', 'crimen_organizado', 'ciberdelito', 'desplazamiento_forzado']
FRAMES = ['justificacion', 'derechos']

def tsv(p):
    with open(os.path.join(DATA, p), encoding='utf-8') as f:
        return list(csv.DictReader(f, delimiter='\t'))

def main():
    iso = {(r['country'], r['code']): r['name'] for r in tsv('debian-iso-codes/iso_3166_2_ca.tsv')}
    gt = {r['ine_code']: r for r in tsv('derived/gt_municipios_ine_geonames.tsv')}
    gtdept = {r['iso_3166_2_numeric']: r['departamento'] for r in gt.values()}
    hn = {r['ine_code']: r for r in tsv('derived/hn_municipios_geonames.tsv')}
    sv = {(r['municipio_2024'], r['distrito(ex-municipio)']) for r in tsv('sv-organizacion-territorial-2024/sv_departamento_municipio_distrito_2024.tsv')}
    OFFSET = {'GT': '-06:00', 'HN': '-06:00', 'SV': '-06:00', 'CR': '-06:00', 'BZ': '-06:00', 'PA': '-05:00', 'DO': '-04:00'}
    FEMWORDS = re.compile(r'femicid|feminicid|femicide|muertes? violentas? de mujer|\bmvm\b', re.I)
    errs, notices, docs, ids, texts = [], [], [], set(), {}
    for path in sorted(glob.glob(os.path.join(HERE, 'part-*.jsonl'))):
        for n, line in enumerate(open(path, encoding='utf-8'), 1):
            where = '%s:%d' % (os.path.basename(path), n)
            try:
                d = json.loads(line)
            except ValueError as e:
                errs.append('%s: %s' % (where, e)); continue
            docs.append(d)
            if d['id'] in ids: errs.append('%s: duplicate id %s' % (where, d['id']))
            ids.add(d['id'])
            if d.get('lang') not in ('es', 'en'): errs.append('%s: lang' % where)
            off = OFFSET.get(d.get('source_country'))
            if off and not d.get('published', '').endswith(off): errs.append('%s: published offset %s' % (where, d.get('published')))
            if '.example/' not in d.get('url', ''): errs.append('%s: url must be under .example' % where)
            for key in ([('title', d['title'])] if d.get('title') else []) + [('text', d['text'])]:
                if key in texts: errs.append('%s: same %s as %s' % (where, key[0], texts[key]))
                texts[key] = d['id']
            for c in d['categories']:
                if c['id'] not in CATS: errs.append('%s: category %s' % (where, c['id']))
            cs = {c['id'] for c in d['categories']}
            if 'femicidio' in cs and 'homicidio' not in cs: errs.append('%s: femicidio without homicidio' % where)
            for f in d['framing']:
                if f['id'] not in FRAMES: errs.append('%s: framing %s' % (where, f['id']))
            full = d.get('title', '') + '\n' + d['text']
            if 'femicidio' in cs and not FEMWORDS.search(full): notices.append('%s %s: femicidio label without femicidio/feminicidio/MVM wording' % (where, d['id']))
            for c in d['campaigns']:
                if c['id'] != 'nada_justifica': errs.append('%s: campaign %s' % (where, c['id']))
                for m in c['matched']:
                    if m not in full: errs.append('%s: campaign surface %r' % (where, m))
            seen = set(); focus = 0
            for p in d['places']:
                key = (p['country'], p.get('admin1_code', ''), p.get('admin2', ''), p.get('admin3', ''))
                if key in seen: errs.append('%s: duplicate place %s' % (where, key))
                seen.add(key)
                focus += p['role'] == 'focus'
                if p['role'] not in ('focus', 'mention'): errs.append('%s: role' % where)
                if p['surface'] not in full: errs.append('%s: surface %r' % (where, p['surface']))
                a1c = p.get('admin1_code')
                if p['country'] == 'GT' and a1c:
                    if a1c not in gtdept or gtdept[a1c] != p['admin1']: errs.append('%s: GT admin1 %s' % (where, a1c))
                    if p.get('admin2_code'):
                        r = gt.get(p['admin2_code'])
                        if not r or r['municipio_ine'] != p['admin2'] or r['iso_3166_2_numeric'] != a1c:
                            errs.append('%s: GT admin2 %s' % (where, p['admin2_code']))
                elif a1c:
                    if (p['country'], a1c) not in iso: errs.append('%s: admin1_code %s' % (where, a1c))
                    if p['country'] == 'HN' and p.get('admin2_code') and p['admin2_code'] not in hn:
                        errs.append('%s: HN admin2 %s' % (where, p['admin2_code']))
                    if p['country'] == 'SV' and p.get('admin3') and (p.get('admin2'), p['admin3']) not in sv:
                        errs.append('%s: SV admin2/admin3 %s' % (where, p.get('admin3')))
            if focus > 1: errs.append('%s: %d focus places' % (where, focus))
    cat = collections.Counter(c['id'] for d in docs for c in d['categories'])
    ctry = collections.Counter(d['source_country'] for d in docs)
    fr = collections.Counter(f['id'] for d in docs for f in d['framing'])
    plat = collections.Counter(d['platform'] for d in docs)
    neg = sum(1 for d in docs if not d['categories'])
    multi = sum(1 for d in docs if len(d['categories']) > 1)
    camp = sum(1 for d in docs if d['campaigns'])
    campposts = sum(1 for d in docs if d['campaigns'] and d['platform'] != 'news')
    lang = collections.Counter(d['lang'] for d in docs)
    withfocus = sum(1 for d in docs if any(p['role'] == 'focus' for p in d['places']))
    focus_level = collections.Counter()
    for d in docs:
        for p in d['places']:
            if p['role'] == 'focus':
                focus_level[p['country'] + (' admin2' if p.get('admin2') else ' admin1' if p.get('admin1') else ' country')] += 1
    longnews = sum(1 for d in docs if d['platform'] == 'news' and len(d['text'].split()) >= 250)
    outside = sum(1 for d in docs for p in d['places'] if p['role'] == 'focus' and p['country'] not in OFFSET)
    md = '--markdown' in sys.argv
    def table(title, counter, keys=None):
        keys = keys or sorted(counter, key=lambda k: (-counter[k], k))
        if md:
            print('\n| %s | docs |\n|---|---:|' % title)
            for k in keys: print('| %s | %d |' % (k, counter[k]))
        else:
            print(title + ': ' + ', '.join('%s=%d' % (k, counter[k]) for k in keys))
    print('documents: %d  negatives (no category): %d  multi-label: %d  social posts: %d  with Nada Justifica: %d (posts %d)  with a focus place: %d' %
          (len(docs), neg, multi, len(docs) - plat['news'], camp, campposts, withfocus))
    print('long news (>= 250 words): %d  focus outside the region: %d' % (longnews, outside))
    table('category', cat, CATS)
    table('framing', fr, FRAMES)
    table('source_country', ctry)
    table('platform', plat)
    table('lang', lang)
    table('focus level', focus_level)
    if notices:
        print('\n%d notices' % len(notices)); print('\n'.join(notices))
    if errs:
        print('\n%d ERRORS' % len(errs)); print('\n'.join(errs[:50])); sys.exit(1)
    print('OK: no validation errors')

main()
