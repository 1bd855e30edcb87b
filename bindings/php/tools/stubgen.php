<?php
/*
 * Writes the IDE stub of the iron_worker extension to stdout, from the loaded extension.
 *
 * Signatures come from Reflection of the live classes (the Rust class IronWorker and the
 * IronWorker\* classes the extension declares in PHP), so the stub cannot drift from the
 * artefact; documentation comes from where it is written once: the `///` comments of
 * bindings/php/src/api.rs for IronWorker, and the PHP doc comments for the rest.
 *
 *     PHP_INI_SCAN_DIR=:build/php php bindings/php/tools/stubgen.php \
 *         > bindings/php/stubs/iron_worker.stub.php
 *
 * The test suite runs it and compares the output with the committed stub (StubTest).
 */

if (!extension_loaded('iron_worker')) {
    fwrite(STDERR, "stubgen: the iron_worker extension is not loaded (see scripts/build-php.sh)\n");
    exit(1);
}

/** Doc comments of the Rust source: ['' => class doc, 'phpMethodName' => doc]. */
function rust_docs(string $file): array
{
    $docs = [];
    $pending = [];
    foreach (file($file, FILE_IGNORE_NEW_LINES) as $line) {
        $trimmed = trim($line);
        if (str_starts_with($trimmed, '///')) {
            $pending[] = rtrim(preg_replace('#^/// ?#', '', $trimmed));
        } elseif (str_starts_with($trimmed, '#[')) {
            continue;
        } elseif (preg_match('/^pub struct IronWorker\b/', $trimmed)) {
            $docs[''] = $pending;
            $pending = [];
        } elseif (preg_match('/^pub fn (\w+)/', $trimmed, $m)) {
            $docs[php_method_name($m[1])] = $pending;
            $pending = [];
        } else {
            $pending = [];
        }
    }
    return $docs;
}

/** ext-php-rs's renaming of a Rust method to PHP: snake_case to camelCase. */
function php_method_name(string $rust): string
{
    if (str_starts_with($rust, '__')) {
        return $rust;
    }
    return preg_replace_callback('/_([a-z0-9])/', fn ($m) => strtoupper($m[1]), $rust);
}

/** A doc comment from lines, indented. */
function doc_block(array $lines, string $indent): string
{
    while ($lines && end($lines) === '') {
        array_pop($lines);
    }
    if (!$lines) {
        return '';
    }
    $out = "$indent/**\n";
    foreach ($lines as $line) {
        $out .= rtrim("$indent * $line") . "\n";
    }
    return $out . "$indent */\n";
}

/** A PHP doc comment, re-indented. */
function php_doc_block($comment, string $indent): string
{
    if ($comment === false) {
        return '';
    }
    $lines = [];
    foreach (explode("\n", $comment) as $line) {
        $line = trim($line);
        if ($line === '/**' || $line === '*/') {
            continue;
        }
        $lines[] = preg_replace('#^\* ?#', '', $line);
    }
    return doc_block($lines, $indent);
}

/** A default value as PHP source. */
function literal($value): string
{
    if ($value === null) {
        return 'null';
    }
    if (is_bool($value)) {
        return $value ? 'true' : 'false';
    }
    if ($value === []) {
        return '[]';
    }
    if (is_string($value)) {
        return '"' . addcslashes($value, "\"\\\$\n\r\t") . '"';
    }
    return var_export($value, true);
}

/** A type as written in a namespace block (class names fully qualified). */
function type_text(?ReflectionType $type): string
{
    if ($type === null) {
        return '';
    }
    $text = (string) $type;
    return preg_replace_callback(
        '/[A-Za-z_\\\\][A-Za-z0-9_\\\\]*/',
        function ($m) {
            $builtin = ['int', 'float', 'string', 'bool', 'array', 'mixed', 'object', 'null',
                'void', 'never', 'callable', 'iterable', 'false', 'true', 'static', 'self'];
            return in_array(strtolower($m[0]), $builtin, true) ? $m[0] : '\\' . ltrim($m[0], '\\');
        },
        $text
    );
}

function parameter(ReflectionParameter $param): string
{
    $text = type_text($param->getType());
    $text .= ($text === '' ? '' : ' ') . ($param->isPassedByReference() ? '&' : '');
    $text .= ($param->isVariadic() ? '...' : '') . '$' . $param->getName();
    if ($param->isDefaultValueAvailable()) {
        $constant = $param->isDefaultValueConstant() ? $param->getDefaultValueConstantName() : null;
        $text .= ' = ' . ($constant !== null ? '\\' . $constant : literal($param->getDefaultValue()));
    }
    return $text;
}

function method(ReflectionMethod $method, string $doc, string $indent): string
{
    $modifiers = implode(' ', Reflection::getModifierNames($method->getModifiers()));
    $params = implode(', ', array_map('parameter', $method->getParameters()));
    $return = $method->hasReturnType() ? ': ' . type_text($method->getReturnType()) : '';
    $line = "$indent$modifiers function {$method->getName()}($params)$return {}";
    if (strlen($line) > 100) {
        $params = implode(",\n$indent    ", array_map('parameter', $method->getParameters()));
        $line = "$indent$modifiers function {$method->getName()}(\n$indent    $params\n$indent)$return {}";
    }
    return $doc . $line . "\n";
}

/** One class: header, then its own public and protected methods. */
function class_stub(ReflectionClass $class, string $indent, callable $method_doc, string $doc): string
{
    $name = $class->getShortName();
    $header = ($class->isFinal() ? 'final ' : '') . ($class->isAbstract() ? 'abstract ' : '');
    $header .= "class $name";
    $parent = $class->getParentClass();
    if ($parent) {
        $header .= ' extends \\' . $parent->getName();
    }
    $own = array_diff($class->getInterfaceNames(), $parent ? $parent->getInterfaceNames() : []);
    foreach ($own as $interface) {
        $own = array_diff($own, (new ReflectionClass($interface))->getInterfaceNames());
    }
    if ($own) {
        $header .= ' implements ' . implode(', ', array_map(fn ($i) => '\\' . $i, $own));
    }

    $methods = array_filter(
        $class->getMethods(ReflectionMethod::IS_PUBLIC | ReflectionMethod::IS_PROTECTED),
        fn ($m) => $m->getDeclaringClass()->getName() === $class->getName()
    );
    // The constructor first, then the methods in their declared order.
    usort($methods, fn ($a, $b) => $b->isConstructor() <=> $a->isConstructor());
    if (!$methods) {
        return $doc . "$indent$header\n$indent{\n$indent}\n";
    }
    $body = [];
    foreach ($methods as $m) {
        $body[] = method($m, $method_doc($m), "$indent    ");
    }
    return $doc . "$indent$header\n$indent{\n" . implode("\n", $body) . "$indent}\n";
}

$docs = rust_docs(__DIR__ . '/../src/api.rs');
$iron_worker = new ReflectionClass('IronWorker');

$out = "<?php\n";
$out .= "// IDE stub of the iron_worker PHP extension: declarations only, never include it.\n";
$out .= "// Generated from the loaded extension by bindings/php/tools/stubgen.php; do not edit:\n";
$out .= "// PHP_INI_SCAN_DIR=:build/php php bindings/php/tools/stubgen.php > THIS_FILE\n\n";

$out .= "namespace {\n";
$out .= class_stub(
    $iron_worker,
    '    ',
    fn ($m) => doc_block($docs[$m->getName()] ?? [], '        '),
    doc_block($docs[''] ?? [], '    ')
);
$out .= "}\n";

$out .= "\nnamespace IronWorker {\n";
$blocks = [];
foreach (get_declared_classes() as $name) {
    if (!str_starts_with($name, 'IronWorker\\')) {
        continue;
    }
    $class = new ReflectionClass($name);
    $blocks[] = class_stub(
        $class,
        '    ',
        fn ($m) => php_doc_block($m->getDocComment(), '        '),
        php_doc_block($class->getDocComment(), '    ')
    );
}
$out .= implode("\n", $blocks) . "}\n";

echo $out;
