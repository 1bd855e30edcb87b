# frozen_string_literal: true

require_relative "lib/iron_worker/version"

# The gem is built from a staged tree (scripts/build-ruby.sh runs tools/stage_gem.rb), in
# which ext/iron_worker is a standalone crate with the core vendored. In the repository
# itself the extension crate belongs to the Cargo workspace and cannot be built alone.
unless File.directory?(File.join(__dir__, "ext", "iron_worker", "vendor"))
  raise "iron_worker.gemspec: build the gem with scripts/build-ruby.sh " \
        "(it vendors the Rust core next to the extension), not from bindings/ruby directly"
end

Gem::Specification.new do |spec|
  spec.name = "iron_worker"
  spec.version = IronWorker::VERSION
  spec.summary = "IronWorker client with the API of the \"Your First Worker\" tutorial"
  spec.description = "Packages, uploads and queues IronWorker workers and reads their logs. " \
                     "Backed by a Rust core (built with cargo at install time); works with " \
                     "the hosted service and with the local iron-worker server."
  spec.authors = ["iron_worker contributors"]
  spec.license = "BSD-2-Clause"
  spec.homepage = "https://github.com/iron-worker-rs/iron_worker"
  spec.required_ruby_version = ">= 3.1"

  spec.files = Dir.chdir(__dir__) do
    Dir.glob(["README.md", "lib/**/*.rb", "sig/**/*.rbs", "ext/iron_worker/extconf.rb",
              "ext/iron_worker/Cargo.{toml,lock}", "ext/iron_worker/src/**/*",
              "ext/iron_worker/vendor/**/*"]).reject { |path| File.directory?(path) }
  end
  spec.require_paths = ["lib"]
  spec.extensions = ["ext/iron_worker/extconf.rb"]
  spec.metadata["rubygems_mfa_required"] = "true"
end
