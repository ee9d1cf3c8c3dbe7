// The OData layers, table-driven: expression → printed syntax tree; expression → checked against the
// type model (or the error and its position); expression → the items of a fixed data set it selects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GraphError } from '../../src/errors/graph-error.ts';
import { workPosition } from '../../src/model/graph-types.ts';
import { shapeComplex } from '../../src/model/shape.ts';
import { printExpr } from '../../src/odata/ast.ts';
import { checkFilter } from '../../src/odata/check.ts';
import { matches } from '../../src/odata/evaluate.ts';
import { applyQuery } from '../../src/odata/paging.ts';
import { ODataSyntaxError, parseFilter, parseOrderBy } from '../../src/odata/parser.ts';
import { parseQuery } from '../../src/odata/query-options.ts';

describe('parser: expression → syntax tree', () => {
  const rows: Array<[string, string]> = [
    ["isCurrent eq true", '(eq isCurrent true)'],
    ["detail/jobTitle eq 'Auditor'", "(eq detail/jobTitle 'Auditor')"],
    ["detail/company/displayName ne 'It''s'", "(ne detail/company/displayName 'It''s')"],
    ['detail/layer gt -3', '(gt detail/layer -3)'],
    ['inference/confidenceScore le 0.5e1', '(le inference/confidenceScore 5)'],
    ['detail/startMonthYear ge 2020-01-01', '(ge detail/startMonthYear 2020-01-01)'],
    ['createdDateTime lt 2024-05-01T12:00:00.1234567Z', '(lt createdDateTime 2024-05-01T12:00:00.1234567Z)'],
    ['createdDateTime lt 2024-05-01T12:00:00+02:00', '(lt createdDateTime 2024-05-01T12:00:00+02:00)'],
    ['id eq 0FB4C1E3-C1E3-0FB4-E3C1-B40FE3C1B40F', '(eq id 0fb4c1e3-c1e3-0fb4-e3c1-b40fe3c1b40f)'],
    ['manager eq null', '(eq manager null)'],
    ["a eq 1 and b eq 2 or c eq 3", '(or (and (eq a 1) (eq b 2)) (eq c 3))'],
    ["a eq 1 and (b eq 2 or c eq 3)", '(and (eq a 1) (or (eq b 2) (eq c 3)))'],
    ['not isCurrent', '(not isCurrent)'],
    ['not (a eq 1) and b', '(and (not (eq a 1)) b)'],
    ["startswith(detail/jobTitle, 'Senior')", "(startswith detail/jobTitle 'Senior')"],
    ["contains(tolower(detail/jobTitle),'man')", "(contains (tolower detail/jobTitle) 'man')"],
    ["detail/role in ('a', 'b')", "(in detail/role ['a' 'b'])"],
    ["categories/any(c: c eq 'x')", "(any categories c (eq c 'x'))"],
    ["categories/all(c:startswith(c,'p'))", "(all categories c (startswith c 'p'))"],
    ['colleagues/any()', '(any colleagues)'],
    ["colleagues/any(p: p/relationship eq 'manager')", "(any colleagues p (eq p/relationship 'manager'))"],
    ["allowedAudiences has microsoft.graph.allowedAudiences'organization'", "(has allowedAudiences microsoft.graph.allowedAudiences'organization')"],
    // OData precedence: not binds tighter than eq; has and in tighter than not.
    ['not isCurrent eq false', '(eq (not isCurrent) false)'],
    ["not allowedAudiences has 'me'", "(not (has allowedAudiences 'me'))"],
    ["not detail/role in ('a')", "(not (in detail/role ['a']))"],
  ];
  for (const [text, printed] of rows) test(text, () => assert.equal(printExpr(parseFilter(text)), printed));

  const errors: Array<[string, number, RegExp]> = [
    ['', 1, /empty/],
    ['isCurrent eq', 13, /expected a property, a literal/],
    ["detail/jobTitle eq 'unclosed", 20, /not closed/],
    ['(isCurrent eq true', 19, /close the parenthesis/],
    ['isCurrent eq true extra', 19, /found 'extra' where an operator/],
    ['isCurrent == true', 11, /unexpected character '='/],
    ['startswith(a)', 1, /takes 2 arguments, got 1/],
    ['categories/any(c c eq 1)', 18, /expected ':'/],
    ['categories/all()', 12, /all\(\) needs a condition/],
    ['detail/ eq 1', 9, /property name after '\/' but found the operator 'eq'/],
    ["a in 'x'", 6, /expected '\('/],
    ['createdDateTime gt 2024-13-45T00:00:00Z', 20, /not a valid date-time/],
    ['createdDateTime gt 2024-01-01T23:60:00Z', 20, /not a valid date-time/],
    ['createdDateTime gt 2024-01-01T00:00:00+25:00', 20, /not a valid date-time/],
    ['detail/startMonthYear eq 2024-02-30', 26, /not a real calendar date/],
    [`${'('.repeat(40)}true${')'.repeat(40)}`, 33, /nests more than 32 levels/],
    [`${'not '.repeat(40)}true`, 129, /nests more than 32 levels/],
    [Array.from({ length: 400 }, () => 'true').join(' and '), 2701, /at most 600 are allowed/],
    [`detail/jobTitle eq '${'x'.repeat(5000)}'`, 4097, /at most 4096 are allowed/],
  ];
  for (const [text, pos, message] of errors) {
    test(`syntax error: ${text.length > 60 ? `${text.slice(0, 60)}… (${text.length} characters)` : text || '(empty)'}`, () => {
      assert.throws(() => parseFilter(text), (e: unknown) => e instanceof ODataSyntaxError && e.pos === pos && message.test(e.message));
    });
  }

  test('$orderby', () => {
    const items = parseOrderBy('detail/jobTitle desc, createdDateTime,id asc');
    assert.deepEqual(items.map((i) => [i.path.segments.join('/'), i.direction]), [['detail/jobTitle', 'desc'], ['createdDateTime', 'asc'], ['id', 'asc']]);
  });
});

describe('checker: expression → type errors with positions', () => {
  const errors: Array<[string, number, RegExp]> = [
    ['nickname eq 1', 1, /property 'nickname' does not exist on type 'microsoft\.graph\.workPosition'/],
    ["detail/company/planet eq 'x'", 1, /'planet' does not exist on type 'microsoft\.graph\.companyDetail'/],
    ["detail/jobTitle eq 1", 20, /cannot compare detail\/jobTitle \(Edm\.String\) with the literal \(a number\)/],
    ["isCurrent eq 'true'", 14, /cannot compare isCurrent \(Edm\.Boolean\)/],
    ['detail/layer eq 1.5 and detail/jobTitle', 25, /'and' joins true\/false conditions, but this is Edm\.String/],
    ['detail/jobTitle', 1, /must be a true\/false condition/],
    ["categories eq 'x'", 1, /collection: test its items with any\(\) or all\(\)/],
    ["detail eq 'x'", 1, /complex value .* only be compared with null/],
    ['isCurrent gt false', 1, /'gt' needs values that have an order/],
    ['detail/layer gt null', 17, /cannot compare with null/],
    ["allowedAudiences eq 'organisation'", 21, /'organisation' is not a member of microsoft\.graph\.allowedAudiences; allowed: me, family/],
    ["detail/company/address/type eq 'castle'", 32, /not a member of microsoft\.graph\.physicalAddressType/],
    ["detail/jobTitle has 'x'", 1, /'has' tests flags/],
    ['startswith(detail/layer, 1)', 12, /startswith takes Edm\.String arguments, but argument 1 is a number/],
    ['detail/any(d: true)', 1, /any\(\) applies to a collection/],
    ["categories/any(c: c/x eq 'y')", 19, /'x' cannot follow a value of type Edm\.String/],
    ["colleagues/any(c: c/nickname eq 'y')", 19, /'nickname' does not exist on type 'microsoft\.graph\.relatedPerson'/],
    ["categories/any(c: categories/any(c: c eq 'x'))", 30, /variable name 'c' is already in use/],
    ["detail/company/displayName/length eq 1", 1, /'length' cannot follow/],
    ["detail/role in ('a', 3)", 22, /cannot compare/],
    ["allowedAudiences eq foo.bar'x'", 21, /'foo\.bar' is not an enum type/],
    ["categories/any(a: categories/any(b: categories/any(c: a eq c)))", 48, /nested at most 2 deep/],
  ];
  for (const [text, pos, message] of errors) {
    test(text, () => {
      assert.throws(
        () => checkFilter(parseFilter(text), workPosition),
        (e: unknown) => e instanceof ODataSyntaxError && message.test(e.message) && (e.pos === pos || assert.fail(`position ${e.pos}, expected ${pos}: ${e.message}`)),
      );
    });
  }
});

/** A fixed data set, in response shape. */
const people = [
  { id: 'a', createdDateTime: '2024-01-01T00:00:00.0000000Z', allowedAudiences: 'organization', isCurrent: true, categories: ['cloud', 'people'], detail: { jobTitle: 'Senior Auditor', layer: 3, startMonthYear: '2019-03-01', company: { displayName: 'Contoso', address: { type: 'business', city: 'Pittsburgh' } } }, inference: { confidenceScore: 0.9 }, colleagues: [{ displayName: 'Megan', relationship: 'colleague' }], manager: { displayName: 'Ada' } },
  { id: 'b', createdDateTime: '2024-01-02T00:00:00.0000000Z', allowedAudiences: 'organization,federatedOrganizations', isCurrent: false, categories: [], detail: { jobTitle: "O'Brien's assistant", layer: 1, startMonthYear: '2015-06-01', company: { displayName: 'Fabrikam' } }, colleagues: [{ displayName: 'Ada', relationship: 'manager' }] },
  { id: 'c', createdDateTime: '2024-01-03T00:00:00.0000000Z', allowedAudiences: 'me', isCurrent: null, categories: null, detail: null },
  { id: 'd', createdDateTime: '2024-01-04T00:00:00.0000000Z', allowedAudiences: 'everyone', isCurrent: true, categories: ['people'], detail: { jobTitle: 'senior engineer', layer: 5, startMonthYear: '2022-11-30', company: { displayName: 'Contoso' } }, inference: { confidenceScore: 0.25 } },
].map((p) => shapeComplex(workPosition, p));

describe('evaluation against a fixed data set', () => {
  const rows: Array<[string, string]> = [
    ['isCurrent', 'a d'],
    ['isCurrent eq true', 'a d'],
    ['isCurrent eq false', 'b'],
    ['isCurrent eq null', 'c'],
    // Three-valued: `not null` is null, which does not select the item (c).
    ['not isCurrent', 'b'],
    ["not startswith(detail/jobTitle, 'Senior')", 'b d'],
    // gt with a null operand is false (not null), so its negation selects c.
    ['not (detail/layer gt 2)', 'b c'],
    ["detail/description eq null and not isCurrent", 'b'],
    ['isCurrent ne true', 'b c'],
    ["detail/company/displayName eq 'Contoso'", 'a d'],
    ["detail/jobTitle eq 'O''Brien''s assistant'", 'b'],
    ["startswith(detail/jobTitle, 'Senior')", 'a'],
    ["startswith(tolower(detail/jobTitle), 'senior')", 'a d'],
    ["endswith(detail/jobTitle, 'engineer')", 'd'],
    ["contains(detail/jobTitle, 'Audit')", 'a'],
    ['detail/layer gt 1', 'a d'],
    ['detail/layer ge 1 and detail/layer lt 5', 'a b'],
    ['detail/layer gt 100 or detail eq null', 'c'],
    ['detail ne null', 'a b d'],
    ['manager eq null', 'b c d'],
    ['detail/startMonthYear lt 2020-01-01', 'a b'],
    ['inference/confidenceScore gt 0.5', 'a'],
    ['createdDateTime gt 2024-01-02T00:00:00Z', 'c d'],
    ['createdDateTime le 2024-01-02T01:00:00+01:00', 'a b'],
    ["detail/company/address/type eq 'business'", 'a'],
    ["detail/company/address/type eq microsoft.graph.physicalAddressType'Business'", 'a'],
    ["allowedAudiences eq 'organization'", 'a'],
    ["allowedAudiences has 'organization'", 'a b'],
    ["allowedAudiences has microsoft.graph.allowedAudiences'federatedOrganizations'", 'b'],
    ["allowedAudiences in ('me', 'everyone')", 'c d'],
    ["detail/company/displayName in ('Fabrikam', 'Northwind')", 'b'],
    ["categories/any(c: c eq 'people')", 'a d'],
    ['categories/any()', 'a d'],
    ["categories/all(c: c eq 'people')", 'b c d'],
    ["colleagues/any(p: p/relationship eq 'manager' and p/displayName eq 'Ada')", 'b'],
    ["id eq 'b'", 'b'],
  ];
  for (const [text, expected] of rows) {
    test(text, () => {
      const checked = checkFilter(parseFilter(text), workPosition);
      assert.equal(people.filter((p) => matches(checked, p)).map((p) => p.id).join(' '), expected);
    });
  }
});

describe('query options and paging', () => {
  const ids = (raw: string) => applyQuery(people, parseQuery(raw, workPosition, 'collection')).items.map((p) => p.id).join(' ');
  test('$orderby sorts nulls first ascending and last descending, ties by createdDateTime', () => {
    assert.equal(ids('$orderby=detail/layer'), 'c b a d');
    assert.equal(ids('$orderby=detail/layer desc'), 'd a b c');
    assert.equal(ids('orderby=detail/company/displayName desc'), 'b a d c');
  });
  test('$top and $skip, $ optional, names case-insensitive', () => {
    assert.equal(ids('$top=2'), 'a b');
    assert.equal(ids('$skip=1&$TOP=2'), 'b c');
    assert.equal(ids('top=1&skip=3'), 'd');
  });
  test('$count counts all matches, not the page', () => {
    const page = applyQuery(people, parseQuery("$filter=detail/company/displayName eq 'Contoso'&$top=1&$count=true", workPosition, 'collection'));
    assert.equal(page.count, 2);
    assert.equal(page.items.length, 1);
    assert.ok(page.nextSkipToken);
  });
  const refused: Array<[string, RegExp]> = [
    ['$expand=detail', /\$expand' is not supported/],
    ['$search=auditor', /\$search' is not supported/],
    ['$top=1000', /\$top must be a whole number from 0 to 999/],
    ['$top=-1', /whole number/],
    ['$skip=x', /whole number/],
    ['$count=yes', /true or false/],
    ['$top=1&top=2', /more than once/],
    ['$frobnicate=1', /'\$frobnicate' is not a supported query option/],
    ['$select=nickname', /property 'nickname' does not exist/],
    ['$select=detail/jobTitle', /members of complex properties/],
    ['$orderby=detail', /cannot order by detail/],
    ['$orderby=categories desc', /cannot order by categories/],
    ["$filter=detail/jobTitle eq 'x' and", /Invalid \$filter at position 27/],
    ['$skiptoken=garbage', /\$skiptoken is not valid/],
  ];
  for (const [raw, message] of refused) {
    test(`400: ${raw}`, () => {
      assert.throws(
        () => applyQuery(people, parseQuery(raw, workPosition, 'collection')),
        (e: unknown) => e instanceof GraphError && e.status === 400 && message.test(e.message),
      );
    });
  }
  test('a filter too expensive for the collection is a 400, not a stalled server', () => {
    const many = Array.from({ length: 200 }, (_, i) => shapeComplex(workPosition, { id: String(i), categories: Array.from({ length: 100 }, (_, j) => `c${j}`) }));
    const q = parseQuery("$filter=categories/any(a: categories/any(b: a eq b and a eq 'z'))", workPosition, 'collection');
    assert.throws(() => applyQuery(many, q), (e: unknown) => e instanceof GraphError && e.status === 400 && /too expensive/.test(e.message));
  });
  test('custom query options without $ are ignored', () => assert.equal(ids('api-version=2&x=1'), 'a b c d'));
  test('on a single item only $select; on /$count only $filter', () => {
    assert.throws(() => parseQuery('$top=1', workPosition, 'entity'), /not supported on a single item/);
    assert.throws(() => parseQuery('$orderby=id', workPosition, 'count'), /not supported on \/\$count/);
  });
});
