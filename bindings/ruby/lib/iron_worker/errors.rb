# frozen_string_literal: true

# The exception classes of iron_worker, declared here (not in Rust) so that they are
# documented and can be rescued by name. The extension raises them with the core's message,
# which never contains the token.
class IronWorker
  # Base class of every error raised by iron_worker.
  class Error < StandardError
    # @return [String, nil] the file concerned, for file errors
    attr_reader :path

    # @param message [String, nil] the error message
    # @param path [String, nil] the file concerned, if any
    def initialize(message = nil, path: nil)
      super(message)
      @path = path
    end
  end

  # The configuration is missing or malformed: no token or project_id (the message lists
  # where it looked), an unreadable config file, a bad port.
  class ConfigError < Error; end

  # Building an archive failed.
  class PackagingError < Error; end

  # An input file or directory does not exist; {#path} names it.
  class MissingFileError < PackagingError; end

  # The server answered with an error status.
  class HTTPError < Error
    # @return [Integer] the HTTP status
    attr_reader :status

    # @return [String] the server's message (its JSON `msg`, or the body text)
    attr_reader :msg

    # @param message [String, nil] the error message
    # @param status [Integer, nil] the HTTP status
    # @param msg [String, nil] the server's message
    # @param path [String, nil] the file concerned, if any
    def initialize(message = nil, status: nil, msg: nil, path: nil)
      super(message, path: path)
      @status = status
      @msg = msg
    end
  end

  # HTTP 401: the token is wrong or does not give access to the project.
  class UnauthorizedError < HTTPError; end

  # HTTP 404: no such code, task, schedule or project (or no log yet).
  class NotFoundError < HTTPError; end

  # HTTP 503: the service is unavailable (after the configured retries).
  class ServiceUnavailableError < HTTPError; end

  # A request, or {IronWorker#waitFor}, did not finish in time.
  class TimeoutError < Error; end

  # The server could not be reached, or the connection broke.
  class NetworkError < Error; end

  # An argument or option has a value the API does not accept; the message names it.
  class InvalidArgumentError < Error; end
end
