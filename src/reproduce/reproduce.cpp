namespace nt::reproduce {}
