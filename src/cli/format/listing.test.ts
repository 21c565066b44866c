import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Listing, renderInspect, renderListing } from './listing.ts';

const l: Listing = {
  columns: '{{.ID}}\\t{{.Name}}\\t{{.CurrentState}}',
  titles: { ID: 'ID', Name: 'NAME', CurrentState: 'CURRENT STATE' },
  rows: [
    { ID: 'abc', Name: 'web', CurrentState: 'Running' },
    { ID: 'def', Name: 'db', CurrentState: 'Pending' },
  ],
  quiet: (r) => String(r.ID),
};

describe('renderListing', () => {
  it('the default table', () => {
    assert.equal(
      renderListing(l, {}),
      'ID        NAME      CURRENT STATE\nabc       web       Running\ndef       db        Pending\n',
    );
  });
  it('-q, json, a table format, a plain template', () => {
    assert.equal(renderListing(l, { quiet: true }), 'abc\ndef\n');
    assert.equal(
      renderListing(l, { format: 'json' }).split('\n')[0],
      '{"CurrentState":"Running","ID":"abc","Name":"web"}',
    );
    assert.equal(renderListing(l, { format: 'table {{.Name}}' }), 'NAME\nweb\ndb\n');
    assert.equal(renderListing(l, { format: '{{.Name}}={{.ID}}' }), 'web=abc\ndb=def\n');
    assert.equal(renderListing(l, { format: '{{json .}}', quiet: true }).split('\n').length, 3);
  });
});

describe('renderInspect', () => {
  it('indented JSON array or one template line per object', () => {
    assert.equal(renderInspect([{ a: 1 }], undefined), '[\n    {\n        "a": 1\n    }\n]\n');
    assert.equal(renderInspect([{ a: 1 }, { a: 2 }], '{{.a}}'), '1\n2\n');
  });
});
