<?php
// PHP classes of the iron_worker extension that PHP code must be able to extend, construct or
// catch like its own: the exceptions and the Result map. The extension compiles this file at
// the start of every request (classes written in Rust cannot extend ArrayObject, and PHP
// cannot construct exceptions declared from Rust). Keep it declarations only.

namespace IronWorker;

/**
 * Base of every error the IronWorker client raises.
 */
class Exception extends \Exception
{
}

/**
 * The configuration is missing or malformed (no token or project id, bad file, bad value).
 */
class ConfigException extends Exception
{
}

/**
 * Building or inspecting a code package failed.
 */
class PackagingException extends Exception
{
}

/**
 * A file or directory given to createZip, zipDirectory, postCode or upload does not exist.
 */
class MissingFileException extends PackagingException
{
    private string $path;

    /**
     * @param string $message the full message, naming the file
     * @param string $path the path as it was given
     */
    public function __construct(string $message = "", string $path = "", ?\Throwable $previous = null)
    {
        parent::__construct($message, 0, $previous);
        $this->path = $path;
    }

    /**
     * The missing path, as it was given.
     */
    public function getPath(): string
    {
        return $this->path;
    }
}

/**
 * The server answered with an error status; getCode() is that status.
 */
class HttpException extends Exception
{
    private string $serverMessage;

    /**
     * @param string $message the full message (status, method, path and the server's message)
     * @param int $status the HTTP status, also given as the exception code
     * @param string $serverMessage the server's own message (its JSON "msg")
     */
    public function __construct(
        string $message = "",
        int $status = 0,
        string $serverMessage = "",
        ?\Throwable $previous = null
    ) {
        parent::__construct($message, $status, $previous);
        $this->serverMessage = $serverMessage;
    }

    /**
     * The HTTP status (the same as getCode()).
     */
    public function getStatus(): int
    {
        return $this->getCode();
    }

    /**
     * The server's own message, without the status, method and path.
     */
    public function getServerMessage(): string
    {
        return $this->serverMessage;
    }
}

/**
 * HTTP 401: the token is wrong or not valid for this project.
 */
class UnauthorizedException extends HttpException
{
}

/**
 * HTTP 404: no such task, code, schedule or project (or no log yet).
 */
class NotFoundException extends HttpException
{
}

/**
 * HTTP 503: the service is busy; raised once the client's retries are spent.
 */
class ServiceUnavailableException extends HttpException
{
}

/**
 * A request, or waitFor, did not finish in time.
 */
class TimeoutException extends Exception
{
}

/**
 * The server could not be reached or the connection broke.
 */
class NetworkException extends Exception
{
}

/**
 * An argument or option has a wrong name or value (the message names it).
 */
class InvalidArgumentException extends Exception
{
}

/**
 * A JSON object the server sent, usable as $result->status and $result['status'].
 *
 * Nested objects are Results too and JSON lists are PHP arrays. count(), foreach, print_r,
 * var_dump and json_encode see the object's fields.
 */
class Result extends \ArrayObject implements \JsonSerializable
{
    /**
     * @param array|object $fields the object's fields
     */
    public function __construct(array|object $fields = [])
    {
        parent::__construct($fields, \ArrayObject::ARRAY_AS_PROPS);
    }

    /**
     * The fields as a JSON object, even when there are none.
     */
    public function jsonSerialize(): mixed
    {
        return (object) $this->getArrayCopy();
    }

    /**
     * The fields as plain PHP arrays, nested Results included.
     */
    public function toArray(): array
    {
        $fields = [];
        foreach ($this as $key => $value) {
            $fields[$key] = self::plain($value);
        }
        return $fields;
    }

    /**
     * The fields alone, for var_dump and print_r.
     */
    public function __debugInfo(): array
    {
        return $this->getArrayCopy();
    }

    private static function plain(mixed $value): mixed
    {
        if ($value instanceof self) {
            return $value->toArray();
        }
        if (is_array($value)) {
            return array_map([self::class, 'plain'], $value);
        }
        return $value;
    }
}
