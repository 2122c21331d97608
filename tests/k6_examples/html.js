// res.html() with CSS selectors (k6's Selection API), against the local target's /bin/html page.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE;

export default function () {
  const res = http.get(`${BASE}/bin/html`);
  const doc = res.html();
  check(doc, {
    'title': (d) => d.find('title').text() === 'loadcell target',
    'three items': (d) => d.find('li.item').size() === 3,
    'second item': (d) => d.find('li.item').eq(1).text() === 'two',
    'last id': (d) => d.find('li.item').last().attr('data-id') === '3',
    'first id': (d) => d.find('li').first().attr('data-id') === '1',
    'missing attr': (d) => d.find('li').first().attr('nope') === undefined,
    'special': (d) => d.find('ul#items > li.special').text() === 'three',
    'link': (d) => d.find('a').attr('href') === '/bin/get?page=2',
    'input val': (d) => d.find('input[name=user]').val() === 'admin',
    'textarea val': (d) => d.find('textarea').val() === 'hi',
    'select val': (d) => d.find('select').val() === 'm',
    'children': (d) => d.find('ul').children().size() === 3,
    'parent': (d) => d.find('li.special').parent().attr('id') === 'items',
    'inner html': (d) => d.find('h1').html() === 'Items',
    'all text': (d) => d.find('li.item').text() === 'onetwothree',
    'nothing found': (d) => d.find('table').size() === 0,
  });
  const ids = [];
  doc.find('li.item').each((i, el) => ids.push(`${i}:${el.getAttribute('data-id')}`));
  check(ids, { 'each': (v) => v.join(',') === '0:1,1:2,2:3' });
  check(res.html('h1'), { 'selector argument': (s) => s.text() === 'Items' });
}
